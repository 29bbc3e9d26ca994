"""What the worker does before its first poll, against the real Kafka and Neo4j: the schema check
creates what is missing (and only reads when nothing is), and the Kafka check hands the topics it saw
to the topic set-up."""

from __future__ import annotations

import time

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from lineage_stream.adapters.kafka_check import check_kafka
from lineage_stream.adapters.kafka_source import ensure_topics
from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.graph.cypher import SCHEMA
from lineage_stream.settings import Neo4jSettings

pytestmark = pytest.mark.integration


def _schema_names(graph) -> set[str]:
    with graph.session() as session:
        return ({r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name")}
                | {r["name"] for r in session.run("SHOW INDEXES YIELD name")})


def test_ensure_schema_creates_only_the_dropped_constraint_and_index(services, graph):
    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    names = {statement.split()[2] for statement in SCHEMA}
    with Neo4jSink(settings) as sink:
        sink.ensure_schema()
        assert names <= _schema_names(graph)
        ran: list[str] = []
        driver = sink._driver
        run_query = driver.execute_query

        def recording(query, *args, **kwargs):  # the real driver; the statements it is given are noted
            ran.append(query)
            return run_query(query, *args, **kwargs)

        driver.execute_query = recording  # type: ignore[method-assign]
        sink.ensure_schema()
        assert ran and all(query.startswith("SHOW ") for query in ran)  # nothing missing: reads only
        with graph.session() as session:
            session.run("DROP CONSTRAINT applied_event_identity").consume()
            session.run("DROP INDEX run_state").consume()
        assert not {"applied_event_identity", "run_state"} & _schema_names(graph)
        ran.clear()
        sink.ensure_schema()
        assert sorted(q.split()[2] for q in ran if q.startswith("CREATE ")) == ["applied_event_identity", "run_state"]
        assert names <= _schema_names(graph)
        with graph.session() as session:
            kinds = {r["name"]: r["type"] for r in session.run("SHOW CONSTRAINTS YIELD name, type")}
        assert kinds["applied_event_identity"] == "UNIQUENESS"


def test_check_kafka_returns_the_topics_so_the_set_up_asks_no_more(services, unique):
    topic = f"start-up-{unique}"
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result()
    try:
        deadline = time.monotonic() + 30
        known = check_kafka({"bootstrap.servers": services.kafka_bootstrap})
        while known is not None and topic not in known and time.monotonic() < deadline:
            time.sleep(0.2)  # the broker's metadata may lag a creation by a moment
            known = check_kafka({"bootstrap.servers": services.kafka_bootstrap})
        assert known is not None and topic in known
        # All known: no admin client is made (nothing listens at this address; a client would time out).
        ensure_topics("127.0.0.1:1", [topic], timeout_s=2.0, known=known)
    finally:
        admin.delete_topics([topic])


def test_the_governance_schema_is_checked_the_same_way(services, graph):
    from lineage_stream.adapters.governance_store import GOVERNANCE_SCHEMA, RETENTION_SCHEMA, RetentionStore

    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    names = {statement.split()[2] for statement in GOVERNANCE_SCHEMA + RETENTION_SCHEMA}
    with RetentionStore(settings) as store:
        store.ensure_schema()
        assert names <= _schema_names(graph)
        with graph.session() as session:
            session.run("DROP INDEX erasure_audit_time").consume()
            session.run("DROP CONSTRAINT run_bucket_identity").consume()
        store.ensure_schema()
        assert names <= _schema_names(graph)
