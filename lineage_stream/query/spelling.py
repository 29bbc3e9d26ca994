"""Candidate identifiers for a dataset as a user typed it: pure, no Neo4j.

Users paste whatever their producer used: ``postgresql://user:pw@Orders-DB.internal:5432/shop.public.orders``,
``jdbc:postgresql://orders-db.internal/shop public.orders``, ``s3a://lake/events/dt=2024-05-01``, an alias
host, or just ``shop.public.orders``. Each spelling yields candidates, canonicalized by the same
normalizer, partition roll-up and alias map the worker applies, so the canonical key the worker
stored is among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lineage_stream.errors import LineageStreamError
from lineage_stream.naming import AliasMap, normalize_dataset
from lineage_stream.pipeline.rollup import split_partition

MARQUEZ_DATASET_PREFIX = "dataset:"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A (namespace, name) to look up; ``raw`` is the pair as typed (kept on nodes as ``raw_identifiers``)."""

    namespace: str
    name: str
    raw_namespace: str
    raw_name: str

    @property
    def raw_key(self) -> str:
        return f"{self.raw_namespace}|{self.raw_name}"


def _splits(text: str) -> list[tuple[str, str]]:
    """Every plausible (namespace, name) split of a single string, most likely first."""
    text = text.strip()
    pairs: list[tuple[str, str]] = []
    parts = text.split()
    if len(parts) == 2:
        pairs.append((parts[0], parts[1]))
    if text.startswith(MARQUEZ_DATASET_PREFIX):
        body = text[len(MARQUEZ_DATASET_PREFIX):]
        pairs.extend((body[:i], body[i + 1:]) for i, c in enumerate(body) if c == ":" and 0 < i < len(body) - 1)
    scheme, sep, rest = text.partition("://")
    if sep and " " not in text:
        # the authority ends at the first "/" (or the path starts right away: file:///x)
        positions = [i for i, c in enumerate(rest) if c == "/"]
        for i in positions:
            namespace, name = f"{scheme}://{rest[:i]}", rest[i + 1:] if rest[:i] else rest[i:]
            if name:
                pairs.append((namespace, name))
        if not positions:
            pairs.append((f"{scheme}://{rest}", ""))
    elif " " not in text and ":" in text and not text.lower().startswith("jdbc:"):
        namespace, _, name = text.partition(":")  # bigquery:project.dataset.table
        pairs.append((namespace, name))
    seen: dict[tuple[str, str], None] = {}
    for pair in pairs:
        if pair[0].strip() and pair[1].strip():
            seen.setdefault(pair)
    return list(seen)


def candidates(text: str, name: str | None = None, aliases: AliasMap | None = None) -> list[Candidate]:
    """Canonical candidates for ``text`` (and ``name`` when the user gave namespace and name apart).

    Never raises: a spelling the normalizer rejects yields no candidate from that split.
    """
    pairs = [(text, name)] if name is not None else _splits(text)
    found: dict[tuple[str, str], Candidate] = {}
    for namespace, dataset in pairs:
        try:
            canonical = normalize_dataset(namespace, dataset, aliases)
        except LineageStreamError:
            continue
        parent, _ = split_partition(canonical.name)
        for key in ((canonical.namespace, parent), (canonical.namespace, canonical.name)):
            found.setdefault(key, Candidate(key[0], key[1], namespace, dataset))
    return list(found.values())


def bare_name(text: str) -> str | None:
    """A name without a namespace (``shop.public.orders``) to look up across namespaces, if ``text`` is one."""
    text = text.strip()
    if not text or " " in text or "://" in text or text.lower().startswith("jdbc:"):
        return None
    return split_partition(text)[0]


def search_terms(text: str) -> list[str]:
    """Lower-case fragments to look for when nothing matched: the last segments' words (3+ letters)."""
    words = [w for w in re.split(r"[^a-z0-9]+", text.strip().lower()) if len(w) >= 3]
    terms = list(dict.fromkeys(reversed(words)))[:3]
    return terms or [text.strip().lower()[:40]]
