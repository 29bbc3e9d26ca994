"""Putting the bench's stream into Kafka: all of it before the clock starts, or at a set rate.

Avro records are encoded by ``LineageProducer`` (the SDK's encoder, Confluent framing, lz4);
OpenLineage JSON records are the documents the OpenLineage clients' Kafka transport would send.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from lineage_stream_dev.bench.consume import KafkaTarget
from lineage_stream.model import LineageEvent

Say = Callable[[str], None]


@dataclass(slots=True)
class Fed:
    records: int = 0
    sampled: int = 0
    """Records whose size was measured (every 20th: measuring costs a second encoding)."""
    bytes: int = 0
    seconds: float = 0.0
    event_ids: list[str] = field(default_factory=list)
    distinct: int = 0

    @property
    def mean_bytes(self) -> float:
        return self.bytes / self.sampled if self.sampled else 0.0


class _Sender:
    """One record at a time to one topic, Avro through the SDK or OpenLineage JSON."""

    def __init__(self, kafka: KafkaTarget, topic: str, json_format: bool) -> None:
        from confluent_kafka import Producer

        from lineage_stream.producer import LineageProducer, record_key

        self._json = json_format
        self._key = record_key
        self._topic = topic
        self._sdk = LineageProducer(kafka.bootstrap, kafka.registry, topic)
        self._raw = Producer({"bootstrap.servers": kafka.bootstrap, "enable.idempotence": True, "acks": "all",
                              "linger.ms": 20, "compression.type": "lz4"}) if json_format else None

    def send(self, event: LineageEvent, measure: bool) -> tuple[int, str]:
        """Queue ``event``; returns (record bytes if ``measure`` else 0, the event ID the worker will see)."""
        if self._raw is None:
            size = len(self._sdk.encode(event)) if measure else 0
            self._sdk.send(event)
            return size, event.event_id
        from lineage_stream_dev.reliability.formats import to_openlineage

        value, seen = to_openlineage(event)
        while True:
            try:
                self._raw.produce(self._topic, value=value, key=self._key(seen))
                break
            except BufferError:
                self._raw.poll(0.1)
        self._raw.poll(0)
        return (len(value) if measure else 0), seen.event_id

    def flush(self) -> None:
        self._sdk.flush()
        if self._raw is not None and self._raw.flush(60.0):
            raise RuntimeError("some OpenLineage JSON records were not acknowledged")


def prefill(kafka: KafkaTarget, topic: str, events: Iterable[LineageEvent], *, json_format: bool, say: Say) -> Fed:
    """Produce every event and wait for the acknowledgements."""
    fed = Fed()
    sender = _Sender(kafka, topic, json_format)
    started = time.perf_counter()
    distinct: set[str] = set()
    for event in events:
        measure = fed.records % 20 == 0
        size, event_id = sender.send(event, measure)
        fed.records += 1
        fed.sampled += measure
        fed.bytes += size
        fed.event_ids.append(event_id)
        distinct.add(event_id)
        if fed.records % 50_000 == 0:
            say(f"  {fed.records:,} records produced")
    sender.flush()
    fed.seconds = time.perf_counter() - started
    fed.distinct = len(distinct)
    return fed


def at_rate(kafka: KafkaTarget, topic: str, events: Iterable[LineageEvent], per_second: float, seconds: float,
            *, json_format: bool) -> Fed:
    """Send for ``seconds`` at ``per_second``, each event stamped with the time it is sent.

    Every 10 ms it sends the events due by then, so the rate holds even when a send is slow.
    """
    fed = Fed()
    sender = _Sender(kafka, topic, json_format)
    source = iter(events)
    started = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            break
        due = int(elapsed * per_second) + 1
        while fed.records < due:
            event = replace(next(source), event_time_us=time.time_ns() // 1000)
            measure = fed.records % 20 == 0
            size, event_id = sender.send(event, measure)
            fed.records += 1
            fed.sampled += measure
            fed.bytes += size
            fed.event_ids.append(event_id)
        time.sleep(0.01)
    sender.flush()
    fed.seconds = time.perf_counter() - started
    fed.distinct = len(set(fed.event_ids))
    return fed


def ensure_topic(kafka: KafkaTarget, topic: str, partitions: int = 3) -> None:
    from lineage_stream.adapters.kafka_source import ensure_topics

    ensure_topics(kafka.bootstrap, [topic], partitions=partitions)


def group_ready(bootstrap: str, group: str, timeout_s: float = 60.0) -> bool:
    """Wait until ``group`` is stable with partitions assigned (the worker is ready to consume)."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            description: Any = admin.describe_consumer_groups([group])[group].result(timeout=10.0)
            if str(description.state).endswith("STABLE") and any(
                    m.assignment.topic_partitions for m in description.members):
                return True
        except Exception:  # the group does not exist yet
            pass
        time.sleep(0.2)
    return False
