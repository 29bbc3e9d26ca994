"""The Kafka side of the worker: topic set-up, assignment from stored offsets, batches, commits."""

from __future__ import annotations

import logging
from typing import AbstractSet, Any, Callable, Iterable, Mapping, Sequence

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    OFFSET_INVALID,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from lineage_stream.errors import RetryableError

log = logging.getLogger(__name__)

_RESET = {"earliest": OFFSET_BEGINNING, "smallest": OFFSET_BEGINNING, "beginning": OFFSET_BEGINNING,
          "latest": OFFSET_END, "largest": OFFSET_END, "end": OFFSET_END}
"""``auto.offset.reset`` as the logical offset it stands for ("error" has none)."""

StoredOffsets = Callable[[Sequence[str]], Mapping[tuple[str, int], int]]
"""Returns the next offsets recorded with the graph, by (topic, partition)."""


def ensure_topics(bootstrap: str, topics: Iterable[str], *, partitions: int = 3, replication_factor: int = -1,
                  timeout_s: float = 30.0, config: Mapping[str, Any] | None = None,
                  known: AbstractSet[str] = frozenset()) -> None:
    """Create the topics that do not exist yet (existing ones are left as they are).

    ``replication_factor`` -1 takes the broker's ``default.replication.factor``; ``config`` is the
    admin client's librdkafka settings over the bootstrap servers. ``known``: topics the caller has
    just seen in the cluster's metadata; when it holds them all, no admin client is made.
    """
    topics = list(topics)
    if all(t in known for t in topics):
        return
    admin = AdminClient({"bootstrap.servers": bootstrap, **(config or {})})
    existing = admin.list_topics(timeout=timeout_s).topics
    missing = [NewTopic(t, num_partitions=partitions, replication_factor=replication_factor)
               for t in topics if t not in existing]
    if not missing:
        return
    for topic, future in admin.create_topics(missing, operation_timeout=timeout_s).items():
        try:
            future.result()
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        log.info("created topic %s", topic)


def _reset_offsets(consumer: Consumer, partitions: list[TopicPartition], reset: int) -> dict[tuple[str, int], int]:
    """Where ``reset`` (``OFFSET_BEGINNING`` or ``OFFSET_END``) points in each partition now, in one
    request: Kafka's ListOffsets request takes these logical offsets as its timestamps (-2 the log's
    start, -1 its end). A partition Kafka does not answer for is left out."""
    if not partitions:
        return {}
    try:
        found = consumer.offsets_for_times([TopicPartition(tp.topic, tp.partition, reset) for tp in partitions],
                                           timeout=0.5)
    except KafkaException as error:
        log.info("reset offsets not read (%s): librdkafka looks them up", error)
        return {}
    return {(f.topic, f.partition): f.offset for f in found if f.error is None and f.offset >= 0}


class KafkaSource:
    """A consumer-group member that starts each assigned partition at the offset stored with the graph."""

    def __init__(self, bootstrap: str, group_id: str, topics: Sequence[str], stored_offsets: StoredOffsets,
                 *, max_message_bytes: int, extra_config: Mapping[str, Any] | None = None,
                 ) -> None:
        self.topics = list(topics)
        self._stored_offsets = stored_offsets
        config: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "group.id": group_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
            "max.poll.interval.ms": 300_000,
            "session.timeout.ms": 30_000,
            # Prefetch bounded to 4 MB (librdkafka's default is 64 MB; a soft bound, one fetch
            # response may pass it): two full batches of typical 2 KB records, refilled as the
            # worker takes them. Over 200,000 records of the bench
            # stream the worker's peak RSS was 305 and 306 MB with 16 MB, 302 with 8, 287 and 290
            # with 4, at the same rate (3,784 and 3,652/s with 16 MB, 3,602 and 3,714 with 4). Larger
            # records make smaller batches under a backlog, each still a full 4 MB of work.
            "queued.max.messages.kbytes": 4 * 1024,
            "fetch.max.bytes": max(16 * 1024 * 1024, max_message_bytes * 2),
            # 1 MB per partition per fetch (about a thousand typical records): librdkafka holds each
            # fetched buffer, decompressed, while any of its records is queued, and 8 MB per
            # partition cost 142 MB of RSS against 73 MB for consuming the same 60,000 records. A
            # larger record still arrives: the broker returns at least one batch whatever this limit.
            "max.partition.fetch.bytes": 1024 * 1024,
            # The broker holds a fetch with no data for up to this long (librdkafka's default 500 ms),
            # and a partition whose start offset is found while one is held waits for it: at start-up,
            # the first fetch went out for the empty topics' partitions alone, and the backlog's waited
            # the whole 500 ms (start-up to first commit 1.30-1.38 s -> 0.94-1.00 s). An idle worker
            # asks each broker ten times a second instead of twice.
            "fetch.wait.max.ms": 100,
        }
        config.update(extra_config or {})
        self._reset = _RESET.get(str(config["auto.offset.reset"]).lower())
        self._consumer = Consumer(config)
        self.assigned: set[tuple[str, int]] = set()
        self._starts: dict[tuple[str, int], int] = {}
        """Where each assigned partition started: the offset stored with the graph, or else Kafka's
        committed offset, or else the offset ``auto.offset.reset`` pointed to at the assignment."""
        self._paused = False
        self._closing = False
        self._consumer.subscribe(self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_revoke)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Never sleep here: a rebalance callback that blocks stalls the whole group. One attempt; if
        # Neo4j is down, Kafka's committed offsets (committed only after Neo4j) are a safe start, as
        # replays are idempotent. A fatal error (Neo4j refuses our credentials) propagates from poll.
        if self._closing:
            # An assignment the group made before the first poll, served by close() and revoked right
            # after: reading offsets for it would only hold up the close (and, with Neo4j failing,
            # replace the error the worker is stopping for).
            consumer.incremental_assign(partitions)
            return
        stored: Mapping[tuple[str, int], int] = {}
        try:
            stored = self._stored_offsets(self.topics)
        except RetryableError as error:
            log.warning("cannot read stored offsets (%s): starting from Kafka's committed offsets; "
                        "replays are idempotent", error)
        for tp in partitions:
            next_offset = stored.get((tp.topic, tp.partition))
            if next_offset is not None:
                tp.offset = next_offset
                self._starts[(tp.topic, tp.partition)] = next_offset
        self._start_from_kafka(consumer, [tp for tp in partitions if (tp.topic, tp.partition) not in stored])
        consumer.incremental_assign(partitions)
        if self._paused:
            consumer.pause(partitions)
        self.assigned.update((tp.topic, tp.partition) for tp in partitions)
        log.info("assigned %s", sorted(self.assigned))

    def _start_from_kafka(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Partitions without an offset stored with the graph start at Kafka's committed offset, or where
        ``auto.offset.reset`` says, each as an offset number. Left unset, librdkafka looks both up itself
        after the assignment, in two steps: a fresh group's first record came 220 ms after its
        assignment, against 110 ms with the offsets given. Given as the reset's logical offset, the
        partitions whose look-up came back first were fetched alone: with no records there, the broker
        held that fetch for ``fetch.wait.max.ms`` and the backlog's partitions waited for it (a fresh
        group's first records 100 ms later, every time, on the benchmark's topics). This waits up to
        half a second for each of the two requests (in the rebalance callback, beside the graph's
        read); a partition Kafka did not answer for is left to librdkafka."""
        if not partitions or self._reset is None:  # "error": librdkafka's own rule applies
            return
        try:
            committed = consumer.committed([TopicPartition(tp.topic, tp.partition) for tp in partitions], timeout=0.5)
        except KafkaException as error:
            log.info("committed offsets not read (%s): librdkafka looks them up", error)
            return
        offsets = {(c.topic, c.partition): c.offset for c in committed if c.error is None}
        unset = [tp for tp in partitions if offsets.get((tp.topic, tp.partition), 0) < 0]
        offsets.update(_reset_offsets(consumer, unset, self._reset))
        for tp in partitions:
            offset = offsets.get((tp.topic, tp.partition))
            if offset is None:
                continue
            if offset >= 0:
                tp.offset = offset
                self._starts[(tp.topic, tp.partition)] = offset
            else:
                tp.offset = self._reset

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        consumer.incremental_unassign(partitions)
        self.assigned.difference_update((tp.topic, tp.partition) for tp in partitions)
        for tp in partitions:
            self._starts.pop((tp.topic, tp.partition), None)
        log.info("revoked %s", sorted((tp.topic, tp.partition) for tp in partitions))

    def consume(self, max_records: int, timeout_s: float) -> list[Message]:
        """The records that have arrived, up to ``max_records``, without waiting for more; when none has,
        wait up to ``timeout_s`` for the first. (``Consumer.consume`` alone waits for ``max_records`` or
        the whole timeout, which adds that timeout to every event's latency under a light load.)"""
        ready: list[Message] = self._consumer.consume(num_messages=max_records, timeout=0)
        if ready:
            return ready
        first = self._consumer.poll(timeout_s)
        if first is None:
            return []
        if max_records == 1:
            return [first]
        return [first, *self._consumer.consume(num_messages=max_records - 1, timeout=0)]

    def commit(self, next_offsets: Mapping[tuple[str, int], int]) -> None:
        """Commit to Kafka too (for lag tools); the offsets stored in Neo4j are the source of truth."""
        owned = [TopicPartition(t, p, o) for (t, p), o in next_offsets.items() if (t, p) in self.assigned]
        if not owned:
            return
        try:
            self._consumer.commit(offsets=owned, asynchronous=True)
        except KafkaException as error:
            log.warning("Kafka offset commit failed (Neo4j holds the offsets): %s", error)

    @property
    def paused(self) -> bool:
        """True while consumption is paused (a dependency is down)."""
        return self._paused

    def pause_all(self) -> None:
        self._paused = True
        self._consumer.pause([TopicPartition(t, p) for t, p in self.assigned])

    def resume_all(self) -> None:
        self._paused = False
        self._consumer.resume([TopicPartition(t, p) for t, p in self.assigned])

    def keep_alive(self) -> None:
        """Serve group membership and rebalances while paused, without consuming anything."""
        message = self._consumer.poll(0.2)
        if message is not None and message.error() is None:
            # A record fetched before the pause took effect: rewind so it is read again on resume.
            topic, partition, offset = message.topic(), message.partition(), message.offset()
            if topic is not None and partition is not None and offset is not None:
                self._consumer.seek(TopicPartition(topic, partition, offset))

    def lag(self) -> dict[tuple[str, int], int]:
        """Records behind the high watermark per assigned partition (unknown positions count as behind)."""
        lags: dict[tuple[str, int], int] = {}
        if not self.assigned:
            return lags
        positions = self._consumer.position([TopicPartition(t, p) for t, p in self.assigned])
        for tp in positions:
            # The watermarks the fetcher last saw (it fetches every assigned partition continuously, so
            # they are at most one fetch wait old); asking the broker costs up to a fetch wait
            # per partition, which made every --until-idle exit take seconds.
            low, high = self._consumer.get_watermark_offsets(tp, cached=True)
            if low < 0 or high < 0:
                low, high = self._consumer.get_watermark_offsets(tp, timeout=5.0, cached=False)
            position = tp.offset if tp.offset != OFFSET_INVALID and tp.offset >= 0 else None
            if position is None:  # nothing fetched yet: where the partition started
                position = self._starts.get((tp.topic, tp.partition))
            if position is None:  # no offset stored with the graph: Kafka's committed offset (it may lag)
                committed = self._consumer.committed([TopicPartition(tp.topic, tp.partition)], timeout=5.0)[0].offset
                position = committed if committed >= 0 else low
            lags[(tp.topic, tp.partition)] = max(high - position, 0)
        return lags

    def watermarks(self) -> dict[tuple[str, int], tuple[int, int]]:
        """(low, high) watermarks of every partition of the subscribed topics, assigned or not."""
        found: dict[tuple[str, int], tuple[int, int]] = {}
        for topic in self.topics:
            metadata = self._consumer.list_topics(topic, timeout=10.0).topics.get(topic)
            for partition in sorted(metadata.partitions) if metadata is not None else ():
                found[(topic, partition)] = self._consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=5.0, cached=False)
        return found

    def close(self) -> None:
        self._closing = True
        self._consumer.close()
