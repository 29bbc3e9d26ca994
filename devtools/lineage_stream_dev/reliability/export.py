"""Read the lineage graph back from Neo4j into the canonical structure of ``canonical.py``.

``export_graph(driver)`` returns every node and relationship except the bookkeeping nodes
(``KafkaOffset``, ``AppliedEvent``), which ``stored_offsets`` and ``applied_event_ids`` read apart.
Neo4j Community has one database shared by everyone, so ``scope`` keeps the export to nodes whose
namespace or run ID contains it (the generator puts its tag in every identifier); an edge is kept
when either end is in scope, so an edge into foreign data still shows up as unexpected.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import neo4j

from lineage_stream_dev.reliability.canonical import (
    EDGE_DISCRIMINATORS, EDGE_PROPERTIES, IDENTITY_KEYS, NODE_LABELS, NODE_PROPERTIES, CanonicalGraph, NodeKey, Props,
    canonical_facet_times, canonical_facets, canonical_value,
)
from lineage_stream.graph.facets import facet_times, live_facets

_BOOKKEEPING = "n:KafkaOffset OR n:AppliedEvent"
_IN_SCOPE = "(coalesce({x}.namespace, '') CONTAINS $scope OR coalesce({x}.run_id, '') CONTAINS $scope)"

NODES = f"""
MATCH (n) WHERE NOT ({_BOOKKEEPING}) AND ($scope IS NULL OR {_IN_SCOPE.format(x="n")})
RETURN labels(n) AS labels, properties(n) AS props
"""

EDGES = f"""
MATCH (a)-[r]->(b)
WHERE NOT ({_BOOKKEEPING.replace("n:", "a:")}) AND NOT ({_BOOKKEEPING.replace("n:", "b:")})
  AND ($scope IS NULL OR {_IN_SCOPE.format(x="a")} OR {_IN_SCOPE.format(x="b")})
RETURN type(r) AS type, properties(r) AS props,
       labels(a) AS a_labels, [a.namespace, a.dataset, a.name, a.run_id, a.fields] AS a_id,
       labels(b) AS b_labels, [b.namespace, b.dataset, b.name, b.run_id, b.fields] AS b_id
"""


def _label(labels: Iterable[str]) -> str:
    names = sorted(labels)
    return names[0] if len(names) == 1 else "+".join(names) or "(none)"


def _selected(names: tuple[str, ...], props: dict[str, Any]) -> Props:
    """The ``names`` properties; ``facets`` / ``facet_times`` gathered from the per-facet properties."""
    out = {name: canonical_value(props.get(name)) for name in names}
    if "facets" in out:
        try:
            out["facets"] = canonical_facets(live_facets(props))
        except (TypeError, ValueError):
            out["facets"] = f"(unparseable) {live_facets(props)}"
        out["facet_times"] = canonical_facet_times(facet_times(props))
    return out


def schema_fields(text: Any) -> Any:
    """A SchemaVersion's ``fields`` JSON as ((name, type, description), ...)."""
    try:
        return tuple((f["name"], f.get("type"), f.get("description")) for f in json.loads(text))
    except (TypeError, ValueError, KeyError, AttributeError):
        return f"(unparseable) {text}"


def node_key(label: str, props: dict[str, Any]) -> NodeKey:
    if label == "SchemaVersion":
        props = {**props, "fields": schema_fields(props.get("fields"))}
    keys = IDENTITY_KEYS.get(label)
    if keys is None:
        return (label, tuple(sorted((k, repr(v)) for k, v in props.items())))
    return (label, tuple(props.get(k) for k in keys))


def _node_props(label: str, props: dict[str, Any]) -> Props:
    if label not in NODE_PROPERTIES:
        return {k: canonical_value(v) for k, v in props.items()}
    out = _selected(NODE_PROPERTIES[label], props)
    if out.get("raw_identifiers") is not None:
        out["raw_identifiers"] = tuple(sorted(out["raw_identifiers"]))
    return out


def _end(labels: list[str], identity: list[Any]) -> NodeKey:
    namespace, dataset, name, run_id, fields = identity
    label = _label(labels)
    by_label: dict[str, dict[str, Any]] = {
        "Dataset": {"namespace": namespace, "name": name}, "Job": {"namespace": namespace, "name": name},
        "Run": {"run_id": run_id}, "Field": {"namespace": namespace, "dataset": dataset, "name": name},
        "SchemaVersion": {"namespace": namespace, "name": name, "fields": fields},
    }
    props = by_label.get(label, {"namespace": namespace, "dataset": dataset, "name": name, "run_id": run_id})
    return node_key(label, props)


def export_graph(driver: neo4j.Driver, *, scope: str | None = None, database: str = "neo4j") -> CanonicalGraph:
    """The lineage graph in Neo4j (within ``scope`` when given), canonical."""
    graph = CanonicalGraph()
    records, _, _ = driver.execute_query(NODES, scope=scope, database_=database, routing_="r")
    for record in records:
        label = _label(record["labels"])
        props = dict(record["props"])
        key = node_key(label, props)
        if key in graph.nodes:
            graph.nodes[(f"{label} (duplicate)", key[1])] = _node_props(label, props)
        else:
            graph.nodes[key] = _node_props(label, props)
    records, _, _ = driver.execute_query(EDGES, scope=scope, database_=database, routing_="r")
    for record in records:
        edge_type = record["type"]
        props = dict(record["props"])
        discriminator = tuple(props.get(k) for k in EDGE_DISCRIMINATORS.get(edge_type, ()))
        selected = EDGE_PROPERTIES.get(edge_type)
        values = (_selected(selected, props) if selected is not None
                  else {k: canonical_value(v) for k, v in props.items()})
        graph.add_edge((edge_type, _end(record["a_labels"], record["a_id"]), _end(record["b_labels"], record["b_id"]),
                        discriminator), values)
    return graph


def stored_offsets(driver: neo4j.Driver, group: str, *, database: str = "neo4j") -> dict[tuple[str, int], int]:
    """The ``KafkaOffset`` next offsets of ``group``, by (topic, partition)."""
    records, _, _ = driver.execute_query(
        "MATCH (o:KafkaOffset {group: $group}) RETURN o.topic AS topic, o.partition AS partition, o.next_offset AS next",
        group=group, database_=database, routing_="r")
    return {(r["topic"], r["partition"]): r["next"] for r in records}


def applied_event_ids(driver: neo4j.Driver, event_ids: Iterable[str], *, database: str = "neo4j") -> set[str]:
    """Which of ``event_ids`` have an ``AppliedEvent`` node."""
    ids = list(event_ids)
    found: set[str] = set()
    for start in range(0, len(ids), 20_000):
        records, _, _ = driver.execute_query(
            "UNWIND $ids AS id MATCH (e:AppliedEvent {event_id: id}) RETURN e.event_id AS id",
            ids=ids[start:start + 20_000], database_=database, routing_="r")
        found.update(r["id"] for r in records)
    return found


assert set(NODE_LABELS) == set(IDENTITY_KEYS) == set(NODE_PROPERTIES)
