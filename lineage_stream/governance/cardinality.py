"""Cardinality control in the stream: deterministic sampling of run detail and a dataset budget per namespace.

- Sampling: for jobs that emit a great many runs, only a fraction of runs is kept in detail; which
  ones is decided by the run ID's hash, so every worker, every replay and every event of one run
  decide alike. A sampled-out run's events still carry their job-level and dataset-level lineage
  (the job, its datasets, the edges between them); only the Run node and its edges are left out.
- Budget: the distinct datasets a worker has seen per namespace; a namespace over its budget is
  reported once (a warning and a metric): usually a partition scheme the folding rules miss.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Sequence

from lineage_stream.memo import Memo


@dataclass(frozen=True)
class SamplingRule:
    job: str
    """Shell pattern over ``namespace/name`` of the job."""
    rate: float
    """Share of runs kept in detail, 0..1."""


def keeps_run(run_id: str, rate: float) -> bool:
    """Deterministic: the first 8 bytes of SHA-256(run ID) as a fraction of 2**64, below ``rate``."""
    if rate >= 1.0:
        return True
    fraction = int.from_bytes(hashlib.sha256(run_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return fraction < rate


class Sampler:
    """The first matching rule's rate for a job (memoized by job)."""

    def __init__(self, rules: Sequence[SamplingRule]) -> None:
        self._rules = tuple(rules)
        self._rates: Memo[tuple[str, str], float] = Memo(50_000)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def rate(self, namespace: str, name: str) -> float:
        key = (namespace, name)
        rate = self._rates.get(key)
        if rate is None:
            path = f"{namespace}/{name}"
            rate = next((r.rate for r in self._rules if fnmatchcase(path, r.job)), 1.0)
            self._rates.put(key, rate)
        return rate


class NamespaceBudget:
    """Distinct dataset names per namespace, counted up to the budget (memory stays bounded)."""

    MAX_NAMESPACES = 10_000

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._names: dict[str, set[str]] = {}
        self.exceeded: set[str] = set()

    def see(self, namespace: str, name: str) -> bool:
        """True the first time ``namespace`` goes over its budget."""
        if namespace in self.exceeded:
            return False
        names = self._names.get(namespace)
        if names is None:
            if len(self._names) >= self.MAX_NAMESPACES:
                return False
            names = self._names[namespace] = set()
        names.add(name)
        if len(names) > self.budget:
            self.exceeded.add(namespace)
            del self._names[namespace]
            return True
        return False
