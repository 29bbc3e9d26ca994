"""``lineage-stream migrate`` splits the old combined ``facets`` property into one property per facet."""

from __future__ import annotations

import pytest

from lineage_stream.adapters.neo4j_migrate import migrate
from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.graph.plan import plan_batch
from lineage_stream.model import Dataset, EventKind, LineageEvent
from lineage_stream.settings import Neo4jSettings

pytestmark = pytest.mark.integration
T = 1_735_689_600_000_000


def test_migration_splits_combined_facets_merges_with_newer_ones_and_is_idempotent(services, graph, unique):
    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    ns = f"postgres://db-{unique}:5432"
    # A graph written before the change: one JSON object of the latest event's facets, and a node
    # whose object is not JSON at all.
    graph.execute_query(
        "CREATE (:Dataset {namespace: $ns, name: 't', facets: $facets, facets_at_us: $at}), "
        "(:Job {namespace: $ns, name: 'j', facets: '{\"sql\":{\"query\":\"SELECT 1\"}}', facets_at_us: $at}), "
        "(:Dataset {namespace: $ns, name: 'broken', facets: 'not json', facets_at_us: $at})",
        ns=ns, at=T,
        facets='{"dataSource":{"name":"pg"},"documentation":{"description":"old"},"ownership":{"_deleted":true}}')
    # A newer event, written by the current code before the migration ran.
    newer = Dataset(ns, "t", facets={"documentation": '{"description":"new"}'})
    with Neo4jSink(settings) as sink:
        sink.write(plan_batch([LineageEvent(f"e-{unique}", EventKind.DATASET, T + 10, "tests", dataset=newer)]))

    first = migrate(settings)
    assert (first.nodes_migrated, first.unreadable) == (2, 1)
    records, _, _ = graph.execute_query("MATCH (n {namespace: $ns}) RETURN n.name AS name, properties(n) AS p", ns=ns)
    props = {r["name"]: r["p"] for r in records}
    t = props["t"]
    assert "facets" not in t and "facets_at_us" not in t
    assert t["facet_dataSource"] == '{"name":"pg"}' and t["facetat_dataSource"] == T
    assert t["facet_documentation"] == '{"description":"new"}' and t["facetat_documentation"] == T + 10
    assert "facet_ownership" not in t and t["facetat_ownership"] == T  # a tombstone
    assert props["j"]["facet_sql"] == '{"query":"SELECT 1"}'
    assert props["broken"]["facets"] == "not json"

    second = migrate(settings)
    assert (second.nodes_migrated, second.unreadable) == (0, 1)
    records, _, _ = graph.execute_query("MATCH (n {namespace: $ns, name: 't'}) RETURN properties(n) AS p", ns=ns)
    assert records[0]["p"] == t
