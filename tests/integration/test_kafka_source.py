"""The worker's consumer against the real Kafka: settings that bound its memory still deliver every record."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from lineage_stream.adapters.kafka_source import KafkaSource

pytestmark = pytest.mark.integration


def test_a_record_larger_than_the_per_partition_fetch_size_is_still_consumed(services, unique):
    topic = f"large-{unique}"
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                  config={"max.message.bytes": str(8 * 1024 * 1024)})])[topic].result()
    large = bytes(range(256)) * (3 * 1024 * 1024 // 256)  # 3 MB, incompressible enough
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap, "message.max.bytes": 8 * 1024 * 1024})
    for value in (b"before", large, b"after"):
        producer.produce(topic, value=value)
    assert producer.flush(30) == 0

    source = KafkaSource(services.kafka_bootstrap, f"group-{unique}", [topic], lambda _partitions: {},
                         max_message_bytes=4 * 1024 * 1024)
    try:
        values: list[bytes] = []
        deadline = time.monotonic() + 60
        while len(values) < 3 and time.monotonic() < deadline:
            values += [m.value() for m in source.consume(10, timeout_s=0.5) if m.error() is None]
    finally:
        source.close()
        admin.delete_topics([topic])
    assert values == [b"before", large, b"after"]


def test_until_idle_exits_when_the_graph_holds_the_end_of_every_partition_and_kafka_holds_no_offset(
        services, graph, unique):
    """Kafka's committed offsets are only for lag tools and may lag or be gone (offsets.retention); a
    worker assigned at offsets stored with the graph fetches nothing, and its position stays unknown:
    caught up must then mean "started at the end", not "Kafka's committed offset is behind"."""
    import threading

    from lineage_stream.adapters.neo4j_sink import Neo4jSink
    from lineage_stream.app import run_worker
    from lineage_stream.graph.plan import plan_batch
    from conftest import settings_for

    settings = settings_for(services, unique)
    topic = settings.kafka.avro_topic
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result()
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
    for n in range(10):
        producer.produce(topic, value=b"never read", partition=n % 2)
    assert producer.flush(10) == 0
    with Neo4jSink(settings.neo4j) as sink:  # as if an earlier worker had applied all ten
        sink.write(plan_batch((), [{"group": settings.kafka.group_id, "topic": topic, "partition": p, "next_offset": 5}
                                   for p in (0, 1)]))
    stop, result = threading.Event(), {}
    thread = threading.Thread(target=lambda: result.update(run_worker(settings, until_idle=True, serve_metrics=False,
                                                                      stop=stop)))
    thread.start()
    thread.join(25)
    caught_up = not thread.is_alive()
    stop.set()  # (a worker that never sees it is caught up is stopped, and the test fails)
    thread.join(30)
    assert caught_up, "the worker did not see it was caught up"
    assert result == {"consumed": 0, "written": 0, "duplicates": 0, "rejected": 0}


def test_without_graph_offsets_a_partition_starts_at_kafkas_committed_offset_else_where_the_reset_says(
        services, unique):
    """The source reads those offsets itself at the assignment (librdkafka's own look-up took a
    hundred milliseconds longer): the same starts as librdkafka would choose."""
    from confluent_kafka import Consumer, TopicPartition

    topic = f"starts-{unique}"
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result()
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
    for n in range(10):
        for partition in (0, 1):
            producer.produce(topic, value=f"p{partition}-{n}".encode(), partition=partition)
    assert producer.flush(10) == 0
    group = f"group-{unique}"
    committer = Consumer({"bootstrap.servers": services.kafka_bootstrap, "group.id": group})
    committer.commit(offsets=[TopicPartition(topic, 0, 6)], asynchronous=False)
    committer.close()

    def read(source: KafkaSource, until: int, seconds: float) -> list[tuple[int, int]]:
        got: list[tuple[int, int]] = []
        deadline = time.monotonic() + seconds
        while len(got) < until and time.monotonic() < deadline:
            got += [(m.partition(), m.offset()) for m in source.consume(100, timeout_s=0.2) if m.error() is None]
        return got

    try:
        source = KafkaSource(services.kafka_bootstrap, group, [topic], lambda _topics: {}, max_message_bytes=1 << 20)
        try:
            got = read(source, 14, 60)
        finally:
            source.close()
        assert sorted(got) == [(0, n) for n in range(6, 10)] + [(1, n) for n in range(10)]

        latest = KafkaSource(services.kafka_bootstrap, f"latest-{unique}", [topic], lambda _topics: {},
                             max_message_bytes=1 << 20, extra_config={"auto.offset.reset": "latest"})
        try:
            deadline = time.monotonic() + 60
            while not latest.assigned and time.monotonic() < deadline:
                assert latest.consume(100, timeout_s=0.2) == []
            assert read(latest, 1, 1.0) == []  # nothing from before the assignment
            producer.produce(topic, value=b"after", partition=1)
            assert producer.flush(10) == 0
            assert read(latest, 1, 30) == [(1, 10)]
        finally:
            latest.close()
    finally:
        admin.delete_topics([topic])
