"""10,000 events through real Kafka, the real registry and real Neo4j, checked node for node."""

from __future__ import annotations

from collections import Counter

import pytest
from confluent_kafka import Consumer, Producer

from lineage_stream.app import run_worker
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.contract import frame
from lineage_stream.model import RunState
from lineage_stream.producer import LineageProducer
from conftest import settings_for
from factories import BASE_US, dataset, run_event

pytestmark = pytest.mark.integration

RUNS, JOBS, INPUTS, OUTPUTS = 5_000, 200, 300, 150


def generated_events(tag: str):
    """Two events (START, COMPLETE) for each of 5,000 runs of 200 jobs: 10,000 events, all under ``tag``."""
    for i in range(RUNS):
        job = (f"gen-{tag}", f"job-{i % JOBS}")
        source = dataset(f"raw.table_{i % INPUTS}", namespace=f"postgres://db-{tag}:5432")
        target = dataset(f"mart.table_{(i * 7) % OUTPUTS}", namespace=f"snowflake://acme-{tag}")
        yield run_event(f"{tag}-run-{i}", state=RunState.START, at_us=BASE_US + i * 1_000, job=job, inputs=(source,))
        yield run_event(f"{tag}-run-{i}", state=RunState.COMPLETE, at_us=BASE_US + i * 1_000 + 500, job=job,
                        inputs=(source,), outputs=(target,))


def expected_counts():
    input_edges = {(i % JOBS, i % INPUTS) for i in range(RUNS)}
    output_edges = {(i % JOBS, (i * 7) % OUTPUTS) for i in range(RUNS)}
    datasets = len({i % INPUTS for i in range(RUNS)}) + len({(i * 7) % OUTPUTS for i in range(RUNS)})
    return {
        "Dataset": datasets, "Job": JOBS, "Run": RUNS, "AppliedEvent": 2 * RUNS,
        "HAS_RUN": RUNS, "READ_BY": RUNS, "WROTE": RUNS,
        "INPUT_TO": len(input_edges), "OUTPUTS": len(output_edges),
    }


_SCOPED_COUNTS = {
    "Dataset": "MATCH (d:Dataset) WHERE d.namespace IN $datasets RETURN count(d) AS n",
    "Job": "MATCH (j:Job {namespace: $jobs}) RETURN count(j) AS n",
    "Run": "MATCH (r:Run) WHERE r.run_id STARTS WITH $tag RETURN count(r) AS n",
    "AppliedEvent": "MATCH (e:AppliedEvent) WHERE e.event_id STARTS WITH $tag RETURN count(e) AS n",
    "HAS_RUN": "MATCH (:Job {namespace: $jobs})-[e:HAS_RUN]->() RETURN count(e) AS n",
    "READ_BY": "MATCH (d:Dataset)-[e:READ_BY]->() WHERE d.namespace IN $datasets RETURN count(e) AS n",
    "WROTE": "MATCH ()-[e:WROTE]->(d:Dataset) WHERE d.namespace IN $datasets RETURN count(e) AS n",
    "INPUT_TO": "MATCH (d:Dataset)-[e:INPUT_TO]->() WHERE d.namespace IN $datasets RETURN count(e) AS n",
    "OUTPUTS": "MATCH ()-[e:OUTPUTS]->(d:Dataset) WHERE d.namespace IN $datasets RETURN count(e) AS n",
}


def graph_counts(driver, tag: str):
    """Counts of what this test wrote (the database may be shared with other writers)."""
    params = {"tag": tag, "jobs": f"gen-{tag}", "datasets": [f"postgres://db-{tag}:5432", f"snowflake://acme-{tag}"]}
    return {label: driver.execute_query(q, params).records[0]["n"] for label, q in _SCOPED_COUNTS.items()}


def offsets_of(driver, group: str) -> int:
    return driver.execute_query("MATCH (o:KafkaOffset {group: $group}) RETURN sum(o.next_offset) AS total",
                                group=group).records[0]["total"]


def test_ten_thousand_events_land_exactly(services, graph, unique):
    settings = settings_for(services, unique)
    with LineageProducer(services.kafka_bootstrap, services.registry_url, settings.kafka.avro_topic) as producer:
        for event in generated_events(unique):
            producer.send(event)
    assert producer.sent == 10_000

    metrics = WorkerMetrics()
    totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)

    assert totals == {"consumed": 10_000, "written": 10_000, "duplicates": 0, "rejected": 0}
    assert graph_counts(graph, unique) == expected_counts()

    runs_of_job_reading = Counter((i % JOBS, i % INPUTS) for i in range(RUNS))
    record = graph.execute_query(
        "MATCH (d:Dataset {name: 'raw.table_7'})-[e:INPUT_TO]->(j:Job {namespace: $jobs, name: 'job-7'}) "
        "RETURN e.run_count AS runs", jobs=f"gen-{unique}").records[0]
    assert record["runs"] == runs_of_job_reading[(7, 7)]

    run = graph.execute_query(
        "MATCH (j:Job)-[:HAS_RUN]->(r:Run {run_id: $run}) RETURN j.name AS job, r.state AS state, "
        "r.started_at_us AS started, r.ended_at_us AS ended, r.first_seen_us AS first, r.last_seen_us AS last",
        run=f"{unique}-run-42").records[0].data()
    assert run == {"job": "job-42", "state": "COMPLETE", "started": BASE_US + 42_000,
                   "ended": BASE_US + 42_500, "first": BASE_US + 42_000, "last": BASE_US + 42_500}

    # Snowflake identifiers are stored as Snowflake stores unquoted names: upper case.
    target = graph.execute_query(
        "MATCH (d:Dataset {namespace: $ns, name: 'MART.TABLE_0'}) "
        "RETURN d.first_seen_us AS first, d.raw_identifiers AS raw, d.naming_rule AS rule", ns=f"snowflake://acme-{unique}"
    ).records
    assert target[0]["first"] == BASE_US + 500
    assert target[0]["raw"] == [f"snowflake://acme-{unique}|mart.table_0"]
    assert target[0]["rule"] == "snowflake"

    assert offsets_of(graph, settings.kafka.group_id) == 10_000
    assert metrics.registry.get_sample_value(
        "lineage_events_written_total", {"topic": settings.kafka.avro_topic, "kind": "RUN"}) == 10_000
    assert sum(s.value for m in metrics.registry.collect() for s in m.samples
               if s.name == "lineage_ingestion_latency_seconds_count" and s.labels["source"] == "avro") == 10_000

    # Replaying the topic from scratch in another group: every event is a known ID, nothing changes.
    before = graph_counts(graph, unique)
    replay = run_worker(settings_for(services, unique, LINEAGE_GROUP_ID=f"replay-{unique}"), until_idle=True,
                        serve_metrics=False)
    assert replay == {"consumed": 10_000, "written": 0, "duplicates": 10_000, "rejected": 0}
    assert graph_counts(graph, unique) == before
    assert offsets_of(graph, f"replay-{unique}") == 10_000

    # Even with the remembered IDs and offsets gone, re-applying every event changes nothing:
    # each write is idempotent (run_count included).
    graph.execute_query("MATCH (e:AppliedEvent) WHERE e.event_id STARTS WITH $tag DELETE e", tag=unique)
    again = run_worker(settings_for(services, unique, LINEAGE_GROUP_ID=f"again-{unique}"), until_idle=True,
                       serve_metrics=False)
    assert again["written"] == 10_000
    assert graph_counts(graph, unique) == before
    assert offsets_of(graph, f"again-{unique}") == 10_000
    assert graph.execute_query(
        "MATCH (:Dataset {name: 'raw.table_7'})-[e:INPUT_TO]->(:Job {namespace: $jobs, name: 'job-7'}) "
        "RETURN e.run_count AS runs", jobs=f"gen-{unique}").records[0]["runs"] == runs_of_job_reading[(7, 7)]


def test_bad_records_are_counted_dead_lettered_and_skipped(services, graph, unique):
    settings = settings_for(services, unique)
    topic = settings.kafka.avro_topic
    with LineageProducer(services.kafka_bootstrap, services.registry_url, topic) as producer:
        good = producer.encode(run_event(f"{unique}-ok-1", event_id=f"{unique}-ok-1"))
        producer.send(run_event(f"{unique}-ok-0", event_id=f"{unique}-ok-0"))
    raw = Producer({"bootstrap.servers": services.kafka_bootstrap})
    bad = {
        b"not-avro": b"{\"this\": \"is json, not avro\"}",
        b"unknown-schema": frame(987_654, good[5:]),
        b"truncated": good[: len(good) // 2],
    }
    for key, value in bad.items():
        raw.produce(topic, key=key, value=value, headers=[("origin", b"test")])
    raw.produce(topic, key=b"ok-1", value=good)
    assert raw.flush(10) == 0

    metrics = WorkerMetrics()
    totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)

    assert totals == {"consumed": 5, "written": 2, "duplicates": 0, "rejected": 3}
    runs = {r["id"] for r in graph.execute_query(
        "MATCH (r:Run) WHERE r.run_id STARTS WITH $tag RETURN r.run_id AS id", tag=unique).records}
    assert runs == {f"{unique}-ok-0", f"{unique}-ok-1"}
    assert metrics.registry.get_sample_value(
        "lineage_events_rejected_total", {"topic": topic, "stage": "decode", "error": "DecodeError"}) == 3

    consumer = Consumer({"bootstrap.servers": services.kafka_bootstrap, "group.id": f"dlq-reader-{unique}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([settings.kafka.dlq_topic])
    letters = {}
    for _ in range(60):
        for message in consumer.consume(10, timeout=1.0):
            if message.error() is None:
                letters[message.key()] = (message.value(), dict(message.headers()))
        if len(letters) == 3:
            break
    consumer.close()
    assert set(letters) == set(bad)
    for key, (value, headers) in letters.items():
        assert value == bad[key]
        assert headers["origin"] == b"test"
        assert headers["__connect.errors.topic"] == topic.encode()
        assert headers["__connect.errors.stage"] == b"decode"
        assert headers["__connect.errors.exception.class.name"] == b"DecodeError"
    assert b"unknown schema ID 987654" in letters[b"unknown-schema"][1]["__connect.errors.exception.message"]
