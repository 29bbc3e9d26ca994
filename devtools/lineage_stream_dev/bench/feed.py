"""Putting the bench's stream into Kafka: all of it before the clock starts, or at a set rate.

Avro records are encoded by ``LineageProducer`` (the SDK's encoder, Confluent framing, lz4);
OpenLineage JSON records are the documents the OpenLineage clients' Kafka transport would send.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from lineage_stream_dev.bench.consume import KafkaTarget
from lineage_stream.model import LineageEvent

Say = Callable[[str], None]


@dataclass(slots=True)
class Fed:
    records: int = 0
    bytes: int = 0
    seconds: float = 0.0
    event_ids: list[str] = field(default_factory=list)
    distinct: int = 0
    started_at: float = 0.0
    """``at_rate``: the Unix time the first record was due (its event time)."""

    @property
    def mean_bytes(self) -> float:
        return self.bytes / self.records if self.records else 0.0


class _Sender:
    """Records to one topic: Avro through the SDK, or OpenLineage JSON through a producer set as the SDK's."""

    def __init__(self, kafka: KafkaTarget, topic: str, json_format: bool) -> None:
        from confluent_kafka import Producer

        from lineage_stream.producer import LineageProducer, produce_waiting, record_key, with_event_id

        self._produce = produce_waiting
        self._key = record_key
        self._with_id = with_event_id
        self._topic = topic
        self._sdk = None if json_format else LineageProducer(kafka.bootstrap, kafka.registry, topic)
        self._raw = Producer({"bootstrap.servers": kafka.bootstrap, "enable.idempotence": True, "acks": "all",
                              "linger.ms": 20, "compression.type": "lz4", "message.max.bytes": 4 * 1024 * 1024,
                              }) if json_format else None
        self._failures: list[str] = []

    def encode(self, event: LineageEvent) -> tuple[bytes, bytes, str]:
        """(record value, record key, the event ID the worker will see)."""
        if self._sdk is not None:
            event = self._with_id(event)
            return self._sdk.encode(event), self._key(event), event.event_id
        from lineage_stream_dev.reliability.formats import to_openlineage

        value, seen = to_openlineage(event)
        return value, self._key(seen), seen.event_id

    def produce(self, value: bytes, key: bytes) -> None:
        if self._sdk is not None:
            self._sdk.send_encoded(value, key)
            return
        assert self._raw is not None
        self._produce(self._raw, self._topic, value, key, self._delivered)

    def send(self, event: LineageEvent) -> tuple[int, str]:
        """Queue ``event``; returns (record bytes, the event ID the worker will see)."""
        value, key, event_id = self.encode(event)
        self.produce(value, key)
        return len(value), event_id

    def _delivered(self, error: Any, _message: Any) -> None:
        if error is not None:
            self._failures.append(str(error))

    def flush(self) -> None:
        """Wait for every record to be acknowledged; raises when some were not."""
        if self._sdk is not None:
            self._sdk.flush()  # raises DeliveryError
            return
        assert self._raw is not None
        remaining = self._raw.flush(60.0)
        if remaining or self._failures:
            raise RuntimeError(f"{remaining} record(s) not acknowledged, {len(self._failures)} refused "
                               f"(first: {self._failures[:1]})")


def prefill(kafka: KafkaTarget, topic: str, events: Iterable[LineageEvent], *, json_format: bool, say: Say) -> Fed:
    """Produce every event and wait for the acknowledgements."""
    fed = Fed()
    sender = _Sender(kafka, topic, json_format)
    started = time.perf_counter()
    distinct: set[str] = set()
    for event in events:
        size, event_id = sender.send(event)
        fed.records += 1
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
    """Send for ``seconds`` at ``per_second``: record i carries the time it is due, ``fed.started_at`` + i /
    ``per_second``, as its event time.

    Every record is encoded before the first is sent: making and encoding an event costs about 130 us of
    Python, a third of a core at 2,700 events/s, that a real producer spends on its own machine, not on
    the worker's. The start is set far enough ahead for the encoding to finish (it raises if the
    encoding overran it); the loop then hands bytes to librdkafka, every 10 ms those due by then. A
    record sent late counts the delay in its latency (its event time is when it was due).
    """
    fed = Fed()
    sender = _Sender(kafka, topic, json_format)
    chosen = list(itertools.islice(events, int(per_second * seconds) + 1))
    probe = chosen[:200]
    timed = time.perf_counter()
    for event in probe:
        sender.encode(event)
    pace = (time.perf_counter() - timed) / max(len(probe), 1)
    start_us = time.time_ns() // 1000 + int((2.0 * pace * len(chosen) + 1.0) * 1e6)
    records = [sender.encode(replace(event, event_time_us=start_us + int(i * 1e6 / per_second)))
               for i, event in enumerate(chosen)]
    lead_s = start_us / 1e6 - time.time()
    if lead_s < 0:
        raise RuntimeError(f"encoding {len(records):,} records overran the planned start by {-lead_s:.1f} s")
    time.sleep(lead_s)
    fed.started_at = start_us / 1e6
    started = time.perf_counter()
    while fed.records < len(records):
        due = min(int((time.perf_counter() - started) * per_second) + 1, len(records))
        while fed.records < due:
            value, key, event_id = records[fed.records]
            sender.produce(value, key)
            fed.records += 1
            fed.bytes += len(value)
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
