"""Failpoints: named places where a test can make the worker die, to prove recovery.

``LINEAGE_FAILPOINTS="after_graph_commit=3"`` kills the process with SIGKILL the third time it
passes ``after_graph_commit`` (after Neo4j committed a batch, before the Kafka commit). Read once
at the edge; with no failpoints configured, ``hit`` is a dictionary lookup.

Points: ``before_graph_commit``, ``after_graph_commit``, ``after_kafka_commit``.
"""

from __future__ import annotations

import os
import signal
from typing import Mapping

from lineage_stream.errors import ConfigError

POINTS = frozenset({"before_graph_commit", "after_graph_commit", "after_kafka_commit"})


class Failpoints:
    def __init__(self, countdowns: Mapping[str, int] | None = None) -> None:
        self._remaining = dict(countdowns or {})

    @classmethod
    def parse(cls, spec: str | None) -> Failpoints:
        """``"point=N[,point=N]"`` → failpoints.

        Raises:
            ConfigError: an unknown point or a count that is not a positive integer.
        """
        countdowns: dict[str, int] = {}
        for part in (spec or "").split(","):
            if not part.strip():
                continue
            point, _, count = part.partition("=")
            point = point.strip()
            if point not in POINTS:
                raise ConfigError(f"unknown failpoint {point!r}; known: {', '.join(sorted(POINTS))}")
            if not count.strip().isdigit() or int(count) < 1:
                raise ConfigError(f"failpoint {point} needs a positive count, got {count!r}")
            countdowns[point] = int(count)
        return cls(countdowns)

    def hit(self, point: str) -> None:
        remaining = self._remaining.get(point)
        if remaining is None:
            return
        if remaining > 1:
            self._remaining[point] = remaining - 1
            return
        os.kill(os.getpid(), signal.SIGKILL)
