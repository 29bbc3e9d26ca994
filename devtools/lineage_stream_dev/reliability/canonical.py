"""The canonical graph both sides of a reliability check are reduced to, and their difference.

A node is ``(label, identity)``; an edge is ``(type, start node, end node, discriminator)``
(the discriminator tells apart parallel edges of one type, e.g. column lineage per
transformation). Each maps to the selected properties, as plain comparable values: lists
become tuples, sets become sorted tuples, facet JSON becomes a key-sorted canonical text. A node's
or run edge's facets (one property per facet, ``graph/facets.py``) become ``facets``, the live
facets as one canonical text, and ``facet_times``, ((name, time), ...) including tombstones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

Identity = tuple[Any, ...]
NodeKey = tuple[str, Identity]
EdgeKey = tuple[str, NodeKey, NodeKey, Identity]
Props = dict[str, Any]

NODE_LABELS = ("Dataset", "Job", "Run", "Field", "SchemaVersion")
"""The labels of the lineage graph proper; bookkeeping nodes (KafkaOffset, AppliedEvent) are checked apart."""

IDENTITY_KEYS: Mapping[str, tuple[str, ...]] = {
    "Dataset": ("namespace", "name"),
    "Job": ("namespace", "name"),
    "Run": ("run_id",),
    "Field": ("namespace", "dataset", "name"),
    "SchemaVersion": ("namespace", "name", "fields"),
}
"""A SchemaVersion is identified by its dataset and a fingerprint of its fields; the fingerprint is the
implementation's, so here the fields themselves ((name, type, description) per field) stand in for it."""

NODE_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    "Dataset": ("first_seen_us", "last_seen_us", "naming_rule", "raw_identifiers", "facets", "facet_times",
                "schema_at_us", "field_names", "last_partition", "last_partition_at_us"),
    "Job": ("first_seen_us", "last_seen_us", "facets", "facet_times"),
    "Run": ("state", "state_rank", "state_at_us", "started_at_us", "ended_at_us", "first_seen_us", "last_seen_us",
            "facets", "facet_times"),
    "Field": ("type", "description"),
    "SchemaVersion": ("first_seen_us", "last_seen_us"),
}

EDGE_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    "READ_BY": ("first_seen_us", "last_seen_us", "facets", "facet_times"),
    "WROTE": ("first_seen_us", "last_seen_us", "facets", "facet_times"),
    "INPUT_TO": ("run_count", "first_seen_us", "last_seen_us", "facets", "facet_times"),
    "OUTPUTS": ("run_count", "first_seen_us", "last_seen_us", "facets", "facet_times"),
    "HAS_RUN": (),
    "CHILD_OF": (),
    "HAS_FIELD": (),
    "FLOWS_TO": ("description", "masking", "first_seen_us", "last_seen_us"),
    "ALIAS_OF": ("type",),
    "HAS_SCHEMA_VERSION": (),
}

EDGE_DISCRIMINATORS: Mapping[str, tuple[str, ...]] = {"FLOWS_TO": ("transformation", "subtype")}


def canonical_facets(facets: Mapping[str, str] | None) -> str | None:
    """A facet map (facet name → JSON text) as one key-sorted JSON text, or None when empty."""
    if not facets:
        return None
    return json.dumps({name: json.loads(text) for name, text in facets.items()}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def canonical_value(value: Any) -> Any:
    """Lists (as Neo4j returns them) become tuples, so properties compare and hash."""
    if isinstance(value, list):
        return tuple(canonical_value(v) for v in value)
    return value


def canonical_facet_times(times: Mapping[str, int]) -> tuple[tuple[str, int], ...] | None:
    """Facet name → time of the facet or its tombstone, as a sorted tuple, or None when empty."""
    return tuple(sorted(times.items())) or None


@dataclass(slots=True)
class CanonicalGraph:
    nodes: dict[NodeKey, Props] = field(default_factory=dict)
    edges: dict[EdgeKey, Props] = field(default_factory=dict)
    duplicate_edges: list[EdgeKey] = field(default_factory=list)
    """Edges found more than once (a MERGE that should have matched); always empty in a reference."""

    def counts(self) -> dict[str, int]:
        """Nodes per label and edges per type, e.g. for a summary."""
        out: dict[str, int] = {}
        for label, _ in self.nodes:
            out[label] = out.get(label, 0) + 1
        for edge_type, *_ in self.edges:
            out[edge_type] = out.get(edge_type, 0) + 1
        return out

    def add_edge(self, key: EdgeKey, props: Props) -> None:
        if key in self.edges:
            self.duplicate_edges.append(key)
        self.edges[key] = props


def _short(value: Any, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _diff_maps(what: str, expected: Mapping[Any, Props], actual: Mapping[Any, Props], width: int) -> list[str]:
    problems = [f"missing {what} {_short(key, width)}" for key in sorted(expected.keys() - actual.keys(), key=repr)]
    problems += [f"unexpected {what} {_short(key, width)} {_short(actual[key])}"
                 for key in sorted(actual.keys() - expected.keys(), key=repr)]
    for key in sorted(expected.keys() & actual.keys(), key=repr):
        want, got = expected[key], actual[key]
        problems += [f"{what} {_short(key, width)} .{name}: expected {_short(want.get(name))}, found {_short(got.get(name))}"
                     for name in sorted(want.keys() | got.keys()) if want.get(name) != got.get(name)]
    return problems


def diff_graphs(expected: CanonicalGraph, actual: CanonicalGraph, *, limit: int = 25) -> list[str]:
    """Human-readable differences (at most ``limit``, plus a count of the rest); empty when equal."""
    problems = _diff_maps("node", expected.nodes, actual.nodes, 160)
    problems += _diff_maps("edge", expected.edges, actual.edges, 300)
    for key in actual.duplicate_edges:
        problems.append(f"duplicate edge {_short(key, 300)}")
    if len(problems) > limit:
        problems = problems[:limit] + [f"... and {len(problems) - limit} more difference(s)"]
    return problems
