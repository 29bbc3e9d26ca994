"""The worker's metrics say what happened: events not rows, per dependency, bounded labels."""

from __future__ import annotations

import json

from lineage_stream.adapters.metrics import BoundedLabel, WorkerMetrics, producer_name, safe_detail
from lineage_stream.model import EventKind, LineageEvent, RecordOrigin

SPARK = "https://github.com/OpenLineage/OpenLineage/tree/1.9.1/integration/spark"


def _event(i: int, producer: str = SPARK, at_s: float = 1_000.0) -> LineageEvent:
    return LineageEvent(event_id=f"e{i}", kind=EventKind.RUN, event_time_us=int(at_s * 1e6), producer=producer)


def _origin(topic: str, offset: int, timestamp_ms: int | None = 1_002_000) -> RecordOrigin:
    return RecordOrigin(topic=topic, partition=0, offset=offset, key=None, timestamp_ms=timestamp_ms, headers=())


def _metrics() -> WorkerMetrics:
    metrics = WorkerMetrics(top_producers=2)
    metrics.set_sources({"avro-t": "avro", "ol-t": "openlineage_json"})
    return metrics


def test_a_written_batch_counts_events_and_observes_both_latencies_by_source_and_producer():
    metrics = _metrics()
    written = [(_origin("avro-t", i), _event(i)) for i in range(3)] + [(_origin("ol-t", 9, None), _event(9))]
    metrics.record_written(written, now=1_010.0)
    get = metrics.registry.get_sample_value
    spark = "https://github.com/OpenLineage/OpenLineage/integration/spark"
    assert get("lineage_ingestion_latency_seconds_count", {"source": "avro", "producer": spark}) == 3
    assert get("lineage_ingestion_latency_seconds_sum", {"source": "avro", "producer": spark}) == 30.0
    assert get("lineage_ingestion_latency_seconds_count", {"source": "openlineage_json", "producer": spark}) == 1
    assert get("lineage_kafka_latency_seconds_sum", {"source": "avro", "producer": spark}) == 24.0
    assert get("lineage_kafka_latency_seconds_count", {"source": "openlineage_json", "producer": spark}) == 0
    assert get("lineage_batch_events_count") == 1 and get("lineage_batch_events_sum") == 4
    assert get("lineage_events_written_total", {"topic": "avro-t", "kind": "RUN"}) == 3
    assert get("lineage_last_event_timestamp_seconds", {"producer": spark}) == 1_000.0
    assert get("lineage_last_commit_timestamp_seconds") == 1_010.0


def test_producers_beyond_the_cap_are_other_and_versions_do_not_make_new_values():
    metrics = _metrics()
    batch = [(_origin("avro-t", i), _event(i, producer=p))
             for i, p in enumerate([SPARK, SPARK.replace("1.9.1", "1.10.0"), "dbt", "airflow", "flink"])]
    metrics.record_written(batch, now=1_001.0)
    producers = {s.labels["producer"] for m in metrics.registry.collect() for s in m.samples
                 if s.name == "lineage_ingestion_latency_seconds_count"}
    assert producers == {producer_name(SPARK), "dbt", "other"}
    label = BoundedLabel(1)
    assert [label("a"), label("b"), label("a")] == ["a", "other", "a"]


def test_no_dependency_is_up_or_down_before_it_was_seen():
    metrics = WorkerMetrics()
    get = metrics.registry.get_sample_value
    assert get("lineage_sink_up") == 0.0 and get("lineage_dependency_up", {"dependency": "neo4j"}) is None
    assert all(state.up is None for state in metrics.dependencies().values())


def test_failures_count_per_dependency_and_dead_letter_delivery_failures_are_counted():
    metrics = WorkerMetrics()
    get = metrics.registry.get_sample_value
    metrics.dependency_ok("neo4j")
    assert get("lineage_sink_up") == 1.0
    metrics.dependency_failed("neo4j", ConnectionError("bolt://neo4j:s3cret@db:7687 refused"), retried=True)
    assert get("lineage_sink_up") == 0.0 and get("lineage_sink_retries_total") == 1.0
    assert "s3cret" not in metrics.dependencies()["neo4j"].detail
    metrics.dependency_failed("dead_letter", "broker down", retried=True)
    metrics.dependency_failed("dead_letter", "topic missing", retried=False)  # a probe, not a delivery
    assert get("lineage_dead_letter_failures_total") == 1.0
    assert get("lineage_dependency_errors_total", {"dependency": "dead_letter"}) == 2.0
    assert get("lineage_dependency_retries_total", {"dependency": "dead_letter"}) == 1.0
    metrics.dependency_failed("registry", "timeout", retried=True)
    assert get("lineage_dependency_up", {"dependency": "registry"}) == 0.0
    assert get("lineage_sink_up") == 0.0, "a registry outage is not a Neo4j outage"


def _stats(brokers_state: str, partitions: dict[str, dict[str, int]]) -> str:
    return json.dumps({
        "brokers": {"b:9092/1": {"nodeid": 1, "state": brokers_state}, "GroupCoordinator": {"nodeid": -1, "state": "UP"}},
        "topics": {"t": {"partitions": {"-1": {"hi_offset": -1, "consumer_lag": -1}, **partitions}}},
    })


def test_kafka_statistics_give_lag_per_assigned_partition_and_drop_revoked_ones():
    metrics = WorkerMetrics()
    get = metrics.registry.get_sample_value
    parts = {"0": {"hi_offset": 100, "lo_offset": 0, "consumer_lag": 40},
             "1": {"hi_offset": 50, "lo_offset": 10, "consumer_lag": -1},
             "2": {"hi_offset": 70, "lo_offset": 0, "consumer_lag": 5}}
    metrics.kafka_statistics(_stats("UP", parts), assigned={("t", 0), ("t", 1)})
    assert get("lineage_consumer_lag", {"topic": "t", "partition": "0"}) == 40
    assert get("lineage_consumer_lag", {"topic": "t", "partition": "1"}) == 40
    assert get("lineage_consumer_lag", {"topic": "t", "partition": "2"}) is None
    assert get("lineage_dependency_up", {"dependency": "kafka"}) == 1.0
    metrics.kafka_statistics(_stats("DOWN", parts), assigned={("t", 1)})
    assert get("lineage_consumer_lag", {"topic": "t", "partition": "0"}) is None
    assert get("lineage_dependency_up", {"dependency": "kafka"}) == 0.0


def test_watched_gauges_read_the_worker_state_at_scrape_time():
    metrics = WorkerMetrics()
    state = {"ids": 3, "assigned": 2, "paused": False}
    metrics.watch(dedup_size=lambda: state["ids"], assigned=lambda: state["assigned"], paused=lambda: state["paused"])
    state.update(ids=7, paused=True)
    get = metrics.registry.get_sample_value
    assert (get("lineage_dedup_window_ids"), get("lineage_assigned_partitions"), get("lineage_partitions_paused")) == (7, 2, 1)
    assert get("lineage_build_info", {"version": __import__("lineage_stream").__version__}) == 1.0


def test_error_details_mask_credentials_in_urls():
    assert safe_detail(ValueError("GET https://user:pw@registry/x failed")) == "ValueError: GET https://***@registry/x failed"


def test_kafka_client_errors_are_counted_and_all_brokers_down_means_kafka_is_down():
    from confluent_kafka import KafkaError

    metrics = WorkerMetrics()
    get = metrics.registry.get_sample_value
    metrics.dependency_ok("kafka")
    metrics.kafka_error(KafkaError(KafkaError._PARTITION_EOF))
    metrics.kafka_error(KafkaError(KafkaError._TRANSPORT))
    assert get("lineage_dependency_errors_total", {"dependency": "kafka"}) == 1
    assert get("lineage_dependency_up", {"dependency": "kafka"}) == 1
    metrics.kafka_error(KafkaError(KafkaError._ALL_BROKERS_DOWN))
    assert get("lineage_dependency_errors_total", {"dependency": "kafka"}) == 2
    assert get("lineage_dependency_up", {"dependency": "kafka"}) == 0


def test_producer_labels_carry_no_credentials_query_or_fragment():
    assert producer_name("https://bob:ghp_s3cret@github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/dbt"
                         "?token=abc#x") == "https://github.com/OpenLineage/OpenLineage/integration/dbt"
    assert producer_name("my-scheduler?key=abc") == "my-scheduler"
    assert producer_name("  ") == "unknown"
    assert producer_name("http://host:port/x?k=v") == "http://host:port/x"
    assert len(producer_name("x" * 500)) == 120


def test_schema_changes_are_counted_in_the_stream_by_event_time_and_namespace():
    from lineage_stream.model import Dataset, SchemaField

    def written(at_s: float, fields: tuple[str, ...] | None, namespace: str = "s3://lake"):
        schema = tuple(SchemaField(name=f) for f in fields) if fields is not None else None
        event = LineageEvent(event_id=str(at_s), kind=EventKind.RUN, event_time_us=int(at_s * 1e6), producer=SPARK,
                             outputs=(Dataset(namespace=namespace, name="orders", fields=schema),))
        return [(_origin("avro-t", int(at_s)), event)]

    metrics = WorkerMetrics(top_namespaces=1, schemas_remembered=2)
    drift = lambda ns: metrics.registry.get_sample_value("lineage_schema_drift_total", {"namespace": ns})  # noqa: E731
    metrics.record_written(written(10, ("id",)), now=100)
    metrics.record_written(written(11, ("id",)), now=100)
    metrics.record_written(written(12, None), now=100)       # no schema: nothing to compare
    assert drift("s3://lake") is None
    metrics.record_written(written(13, ("id", "total")), now=100)
    assert drift("s3://lake") == 1
    metrics.record_written(written(9, ("id",)), now=100)     # an older event's schema is not a change
    assert drift("s3://lake") == 1
    metrics.record_written(written(14, ("id",), namespace="gs://b"), now=100)
    metrics.record_written(written(15, ("x",), namespace="gs://b"), now=100)
    assert drift("other") == 1, "namespaces beyond the cap are counted as other"


def test_redaction_counts_add_up_per_detector_and_action_across_events():
    metrics = WorkerMetrics()
    sample = lambda detector, action: metrics.registry.get_sample_value(  # noqa: E731
        "lineage_redactions_total", {"detector": detector, "action": action})
    metrics.count_redactions({("email", "mask"): 2, ("person_path", "mask"): 1})
    metrics.count_redactions({("email", "mask"): 1})
    metrics.count_redactions({("jwt", "drop"): 1, ("email", "pseudonymize"): 3})
    assert sample("email", "mask") == 3
    assert sample("person_path", "mask") == 1
    assert sample("jwt", "drop") == 1
    assert sample("email", "pseudonymize") == 3
