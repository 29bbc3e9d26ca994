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
