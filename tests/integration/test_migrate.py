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


def test_a_job_keeps_its_latest_run_in_any_order_and_migrate_sets_it_on_jobs_written_before(services, graph, unique):
    import itertools

    from factories import run_event
    from lineage_stream.model import RunState
    from lineage_stream.query.service import impact
    from lineage_stream.query.store import GraphReader

    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    ns = f"postgres://db-{unique}:5432"
    src, out = Dataset(ns, "src"), Dataset(ns, "out")
    job = (f"airflow-{unique}", "load")
    events = [run_event("r1", state=RunState.START, at_us=T, job=job, inputs=(src,), outputs=(out,)),
              run_event("r1", state=RunState.COMPLETE, at_us=T + 30, job=job, inputs=(src,), outputs=(out,)),
              run_event("r2", state=RunState.START, at_us=T + 20, job=job, inputs=(src,), outputs=(out,)),
              run_event("r2", state=RunState.FAIL, at_us=T + 25, job=job, inputs=(src,), outputs=(out,)),
              run_event("r3", state=RunState.START, at_us=T + 30, job=job, inputs=(src,), outputs=(out,))]
    query = "MATCH (j:Job {namespace: $ns, name: 'load'}) RETURN [j.latest_run_id, j.latest_state, j.latest_state_at_us] AS l"
    with Neo4jSink(settings) as sink:
        for order in itertools.islice(itertools.permutations(events), 0, None, 17):  # 8 orders, one event per batch
            graph.execute_query("MATCH (j:Job {namespace: $ns}) DETACH DELETE j", ns=job[0])
            graph.execute_query("MATCH (r:Run) WHERE r.run_id IN ['r1', 'r2', 'r3'] DETACH DELETE r")
            for event in order:
                sink.write(plan_batch([event]))
            # (T + 30, 'r3') beats (T + 30, 'r1'): the greatest (state time, run ID)
            assert graph.execute_query(query, ns=job[0]).records[0]["l"] == ["r3", "START", T + 30]
        reader = GraphReader(settings)
        try:
            (row,) = impact(reader, ns, "src").rows
            assert row.producers[0][1:] == ("START", T + 30)
            # A graph written before jobs kept their latest run: the query falls back to the runs,
            # and migrate sets the property from them.
            graph.execute_query("MATCH (j:Job {namespace: $ns}) REMOVE j.latest_run_id, j.latest_state, "
                                "j.latest_state_at_us", ns=job[0])
            assert impact(reader, ns, "src").rows[0].producers[0][1] in ("START", "COMPLETE")
            assert migrate(settings).jobs_updated >= 1
            assert graph.execute_query(query, ns=job[0]).records[0]["l"] in (["r3", "START", T + 30],)
            assert migrate(settings).jobs_updated == 0
        finally:
            reader.close()
