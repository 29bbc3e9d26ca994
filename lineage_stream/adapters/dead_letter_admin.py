"""Operators' view of the dead-letter topic: list and show records, and replay them after a fix.

Replay re-produces each record to the topic it came from, with its original key, value, headers and
timestamp, and commits its place in the dead-letter topic under a consumer group of its own; a second
replay therefore re-drives nothing twice, and re-driven events that were already applied are
dropped by their event ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from confluent_kafka import Consumer, Producer, TopicPartition

from lineage_stream.adapters.dead_letter import plain_headers
from lineage_stream.errors import DeliveryError

ERROR_PREFIX = "__connect.errors."
REPLAY_HEADER = "lineage.replayed.from"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None
    headers: tuple[tuple[str, bytes | None], ...]

    @property
    def errors(self) -> dict[str, str]:
        return {
            k[len(ERROR_PREFIX):]: (v or b"").decode("utf-8", "replace")
            for k, v in self.headers if k.startswith(ERROR_PREFIX)
        }

    @property
    def original_headers(self) -> list[tuple[str, bytes | None]]:
        return [(k, v) for k, v in self.headers if not k.startswith(ERROR_PREFIX)]


def read_dead_letters(bootstrap: str, topic: str, *, partition: int | None = None, offset: int | None = None,
                      limit: int = 100, timeout_s: float = 10.0, config: Mapping[str, Any] | None = None,
                      ) -> list[DeadLetter]:
    """Dead letters from the start of the topic (or from ``partition``/``offset``), up to ``limit``."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "lineage-stream-dlq-reader",
                         "enable.auto.commit": False, **(config or {})})
    try:
        assignment, ends = _unread(
            consumer, topic, timeout_s,
            start_of=lambda p, low: low if offset is None else max(offset, low),
            wanted=lambda p: partition is None or p == partition,
        )
        return list(_drain(consumer, assignment, ends, limit, timeout_s))
    finally:
        consumer.close()


def _unread(consumer: Consumer, topic: str, timeout_s: float, *, start_of: Callable[[int, int], int],
            wanted: Callable[[int], bool] = lambda _p: True) -> tuple[list[TopicPartition], dict[int, int]]:
    """Where to start reading each wanted partition of ``topic`` (``start_of(partition, low)``), for
    the partitions with records from there on, and each one's end offset."""
    metadata = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
    if metadata is None or metadata.error is not None:
        return [], {}
    assignment, ends = [], {}
    for p in sorted(metadata.partitions):
        if not wanted(p):
            continue
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
        start = start_of(p, low)
        if start < high:
            assignment.append(TopicPartition(topic, p, start))
            ends[p] = high
    return assignment, ends


def _drain(consumer: Consumer, assignment: list[TopicPartition], ends: dict[int, int], limit: int,
           timeout_s: float) -> Iterator[DeadLetter]:
    if not assignment:
        return
    consumer.assign(assignment)
    remaining = dict(ends)
    seen = 0
    idle_polls = 0
    while remaining and seen < limit and idle_polls < timeout_s:
        messages = consumer.consume(min(500, limit - seen), timeout=1.0)
        idle_polls = 0 if messages else idle_polls + 1
        for message in messages:
            partition, offset = message.partition(), message.offset()
            if message.error() is not None or partition is None or offset is None:
                continue
            if offset + 1 >= remaining.get(partition, 0):
                remaining.pop(partition, None)
            seen += 1
            _, timestamp = message.timestamp()
            yield DeadLetter(partition, offset, message.key(), message.value(),
                             timestamp if timestamp > 0 else None, plain_headers(message.headers()))
            if seen >= limit:
                return


def replay_dead_letters(bootstrap: str, topic: str, *, group: str = "lineage-stream-dlq-replay",
                        from_beginning: bool = False, timeout_s: float = 10.0,
                        consumer_config: Mapping[str, Any] | None = None,
                        producer_config: Mapping[str, Any] | None = None) -> int:
    """Re-drive every dead letter not replayed before (all of them with ``from_beginning``).

    Returns the number of records re-produced.

    Raises:
        DeliveryError: a record could not be re-produced; nothing past it is marked replayed.
    """
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", **(consumer_config or {})})
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                         "message.max.bytes": 16 * 1024 * 1024, **(producer_config or {})})
    failures: list[str] = []

    def on_delivery(error: object, _message: object) -> None:
        if error is not None:
            failures.append(str(error))

    def start_of(partition: int, low: int) -> int:
        if from_beginning:
            return low
        (position,) = consumer.committed([TopicPartition(topic, partition)], timeout=timeout_s)
        return position.offset if position.offset >= 0 else low

    try:
        assignment, ends = _unread(consumer, topic, timeout_s, start_of=start_of)
        count = 0
        positions: dict[int, int] = {}
        for letter in _drain(consumer, assignment, ends, limit=10**9, timeout_s=timeout_s):
            target = letter.errors.get("topic")
            if not target:
                failures.append(f"{topic}[{letter.partition}]@{letter.offset} has no origin topic header")
                break
            headers = letter.original_headers + [(REPLAY_HEADER, f"{topic}[{letter.partition}]@{letter.offset}".encode())]
            producer.produce(target, key=letter.key, value=letter.value, headers=headers,  # type: ignore[arg-type]
                             timestamp=letter.timestamp_ms or 0, on_delivery=on_delivery)
            producer.poll(0)
            positions[letter.partition] = letter.offset + 1
            count += 1
        if producer.flush(timeout_s * 3) or failures:
            raise DeliveryError(failures or ["replay not acknowledged in time"])
        if positions:
            consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in positions.items()], asynchronous=False)
        return count
    finally:
        consumer.close()
