"""Failures classified by what happens next, against the real Kafka, registry and Neo4j.

- Neo4j refuses the credentials mid-stream (a rotated password): the worker stops with a clear
  message; nothing is dead-lettered and nothing of the refused batch is committed.
- The registry says a schema ID does not exist: dead letter (``test_end_to_end`` covers the worker path).
- The registry cannot be reached: retry. It answers something unexpected (a wrong URL): stop.
"""

from __future__ import annotations

import threading
import time

import neo4j
import pytest
from confluent_kafka import Consumer, TopicPartition
from pydantic import SecretStr

from lineage_stream.adapters.neo4j_sink import BatchRejected, Neo4jSink
from lineage_stream.adapters.registry import RegistrySchemas
from lineage_stream.app import run_worker
from lineage_stream.errors import DecodeError, FatalError, RetryableError, SinkAuthError
from lineage_stream.graph.plan import GraphBatch
from lineage_stream.producer import LineageProducer
from tests.factories import run_event
from tests.integration.conftest import settings_for

pytestmark = pytest.mark.integration

ROTATED = "lineage-stream-rotated-9f2"


def _set_password(services, old: str, new: str) -> None:
    with neo4j.GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, old)) as driver:
        driver.execute_query(f"ALTER CURRENT USER SET PASSWORD FROM '{old}' TO '{new}'", database_="system")


def _end_offsets(services, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": services.kafka_bootstrap, "group.id": "probe"})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                   for p in metadata.partitions)
    finally:
        consumer.close()


def _committed(services, group: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": services.kafka_bootstrap, "group.id": group})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return sum(max(tp.offset, 0) for tp in committed)
    finally:
        consumer.close()


def _wait(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_rotated_neo4j_password_stops_the_worker_without_dead_letters_or_commits(services, graph, unique):
    settings = settings_for(services, unique, LINEAGE_BATCH_SIZE="50",
                            LINEAGE_NEO4J__MAX_CONNECTION_LIFETIME_S="0.5")
    topic = settings.kafka.avro_topic

    def runs() -> int:
        return graph.execute_query("MATCH (r:Run) WHERE r.run_id STARTS WITH $tag RETURN count(r) AS n",
                                   tag=unique).records[0]["n"]

    with LineageProducer(services.kafka_bootstrap, services.registry_url, topic) as producer:
        for i in range(20):
            producer.send(run_event(f"{unique}-a-{i}", event_id=f"{unique}-a-{i}"))

    failure: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        try:
            run_worker(settings, serve_metrics=False, stop=stop)
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            failure.append(error)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    rotated = False
    try:
        assert _wait(lambda: runs() == 20, 60), "the worker did not write the first events"
        graph.close()  # the fixture's driver holds the old password
        _set_password(services, services.neo4j_password, ROTATED)
        rotated = True
        time.sleep(1.0)  # the worker's pooled connections outlive their 0.5 s lifetime
        with LineageProducer(services.kafka_bootstrap, services.registry_url, topic) as producer:
            for i in range(20):
                producer.send(run_event(f"{unique}-b-{i}", event_id=f"{unique}-b-{i}"))
        thread.join(60)
        assert not thread.is_alive(), "the worker kept running after Neo4j refused its credentials"
    finally:
        stop.set()
        if rotated:
            _set_password(services, ROTATED, services.neo4j_password)
    thread.join(10)

    (error,) = failure
    assert isinstance(error, SinkAuthError)
    assert "Neo4j refused user 'neo4j'" in str(error) and services.neo4j_password not in str(error)
    with neo4j.GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password)) as d:
        stored = d.execute_query("MATCH (o:KafkaOffset {group: $g}) RETURN sum(o.next_offset) AS n",
                                 g=settings.kafka.group_id).records[0]["n"]
        written = d.execute_query("MATCH (r:Run) WHERE r.run_id STARTS WITH $tag RETURN count(r) AS n",
                                  tag=unique).records[0]["n"]
    assert (stored, written) == (20, 20), "nothing of the refused batch may commit"
    assert _committed(services, settings.kafka.group_id, topic) <= 20
    assert _end_offsets(services, settings.kafka.dlq_topic) == 0, "nothing may be dead-lettered"


def test_registry_failures_are_classified(services):
    assert isinstance(_error(RegistrySchemas(services.registry_url), 987_654_321), DecodeError)
    wrong_path = RegistrySchemas(services.registry_url.rstrip("/") + "/not-the-api")
    error = _error(wrong_path, 1)
    assert isinstance(error, FatalError) and "HTTP 404" in str(error)
    unreachable = RegistrySchemas("http://127.0.0.1:9")
    assert isinstance(_error(unreachable, 1), RetryableError)


def _error(schemas: RegistrySchemas, schema_id: int) -> Exception:
    try:
        schemas.writer_schema(schema_id)
    except Exception as error:  # noqa: BLE001 - classified below
        return error
    raise AssertionError("the registry returned a schema")


def test_worker_stops_when_the_registry_answers_unexpectedly(services, graph, unique):
    settings = settings_for(services, unique,
                            LINEAGE_REGISTRY__URL=services.registry_url.rstrip("/") + "/not-the-api")
    with LineageProducer(services.kafka_bootstrap, services.registry_url, settings.kafka.avro_topic) as producer:
        producer.send(run_event(f"{unique}-x", event_id=f"{unique}-x"))

    with pytest.raises(FatalError, match="check registry.url"):
        run_worker(settings, until_idle=True, serve_metrics=False)
    stored = graph.execute_query("MATCH (o:KafkaOffset {group: $g}) RETURN count(o) AS n",
                                 g=settings.kafka.group_id).records[0]["n"]
    assert stored == 0
    assert _end_offsets(services, settings.kafka.dlq_topic) == 0


def test_the_sink_tells_a_refusal_of_the_data_from_a_refusal_of_the_user(services, graph, unique):
    """Only a batch refused for its data is ``BatchRejected`` (the worker bisects it); refused
    credentials are ``SinkAuthError`` (the worker stops), never mistaken for bad data."""
    bad_row = {"group": f"refusal-{unique}", "topic": "t", "partition": 0, "next_offset": {"not": "a number"}}
    settings = settings_for(services, unique)
    with Neo4jSink(settings.neo4j) as sink, pytest.raises(BatchRejected, match="TypeError"):
        sink.write(GraphBatch(offsets=[bad_row]))
    wrong = settings.neo4j.model_copy(update={"password": SecretStr("not-the-password-42")})
    with Neo4jSink(wrong) as sink, pytest.raises(SinkAuthError) as refused:
        sink.write(GraphBatch(offsets=[{**bad_row, "next_offset": 1}]))
    assert "not-the-password-42" not in str(refused.value)
