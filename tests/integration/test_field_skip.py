"""UPSERT_FIELDS skips a version that can change nothing, and only such a version.

Order independence (tests/integration/reliability/test_reliability_order.py) shows the skip never
changes the graph; this shows it happens: the fields statement run again for a batch sets no property
at all when the version is older than the dataset's latest and the latest has all its fields.
"""

from __future__ import annotations

import pytest

from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.graph.cypher import UPSERT_FIELDS
from lineage_stream.graph.plan import plan_batch
from lineage_stream.model import Dataset, EventKind, LineageEvent, SchemaField
from lineage_stream.settings import Neo4jSettings

pytestmark = pytest.mark.integration
T = 1_735_689_600_000_000


def _event(tag: str, event_id: str, at: int, *fields: tuple[str, str]) -> LineageEvent:
    dataset = Dataset(f"postgres://db-{tag}:5432", "s.public.t", tuple(SchemaField(n, t) for n, t in fields))
    return LineageEvent(f"{tag}-{event_id}", EventKind.DATASET, at, "tests", dataset=dataset)


def test_an_older_version_whose_fields_the_latest_has_sets_nothing(services, graph, unique):
    tag = f"skip{unique}"
    older = _event(tag, "c", T + 5, ("id", "bigint"), ("v", "int"))
    wider = _event(tag, "d", T + 6, ("id", "bigint"), ("x", "date"))
    with Neo4jSink(Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")) as sink:
        for event in (_event(tag, "a", T, ("id", "bigint"), ("v", "int")),
                      _event(tag, "b", T + 10, ("id", "string"), ("v", "int")), older, wider):
            sink.write(plan_batch([event]))

    def properties_set(event: LineageEvent) -> int:
        (row,) = plan_batch([event]).fields
        # The statement finds its dataset and version in the lists the batch's earlier statements
        # return (row "d" and "v" index them); alone, it is given them.
        bound = ("MATCH (d:Dataset {namespace: $namespace, name: $name})\n"
                 "MATCH (v:SchemaVersion {namespace: $namespace, name: $name, fingerprint: $fingerprint})\n"
                 "WITH [d] AS datasets, [v] AS versions\n")
        assert (row["d"], row["v"]) == (0, 0)
        with graph.session() as session:
            return session.run(bound + UPSERT_FIELDS, rows=[row], namespace=row["namespace"], name=row["name"],
                               fingerprint=row["fingerprint"]).consume().counters.properties_set

    assert properties_set(older) == 0  # seen before, older than the latest, which has id and v
    assert properties_set(wider) > 0  # the latest lacks x: the version is merged again
    records, _, _ = graph.execute_query(
        "MATCH (d:Dataset)-[:HAS_FIELD]->(f:Field) WHERE d.namespace CONTAINS $tag RETURN f.name AS name, f.type AS type",
        tag=tag)
    assert {r["name"]: r["type"] for r in records} == {"id": "string", "v": "int", "x": "date"}
