"""The stream worker: consume a batch, run it through the stages, write it, then commit.

    Kafka ──► decode ──► dedup ──► normalize ──► redact ──► rollup ──► plan ──► Neo4j (+ offsets)
                │ errors are data: rejected records go to the dead-letter topic, with a reason
                ▼
           dead letters ──► Kafka commit (only after Neo4j committed)

The graph write is idempotent and the batch's offsets commit in the same Neo4j transaction, so a
crash anywhere replays at most the uncommitted batch and the graph still holds each event once.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from confluent_kafka import KafkaError, Message

from lineage_stream.adapters.dead_letter import DeadLetterWriter, plain_headers
from lineage_stream.adapters.kafka_source import KafkaSource
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.adapters.neo4j_sink import BatchRejected, Neo4jSink
from lineage_stream.backoff import Backoff
from lineage_stream.errors import RejectedRecord, RetryableError, ValidationError
from lineage_stream.failpoints import Failpoints
from lineage_stream.graph.plan import GraphBatch, plan_batch
from lineage_stream.model import LineageEvent, RecordOrigin
from lineage_stream.naming import UNRECOGNIZED, scheme_of
from lineage_stream.pipeline.chain import Stage, run_stages

log = logging.getLogger(__name__)
FIRST_BATCH = 25
"""Records in the first batch after start; each later batch may double it, up to the batch size. The
first batch meets cold memos (about 1 ms a record): launched as the benchmark launches it, start-up
to first commit took 0.77-0.96 s with 100, 0.68-0.80 s with 25, and no less with 10."""

Decoder = Callable[[bytes | None], LineageEvent]
Rejected = tuple[RecordOrigin, bytes | None, RejectedRecord]


@dataclass(slots=True)
class _Prepared:
    """A batch decoded, staged and planned, waiting for its graph transaction."""

    oks: list[tuple[RecordOrigin, LineageEvent]]
    offset_rows: list[dict[str, object]]
    rejected: list[Rejected]
    values: dict[RecordOrigin, bytes | None]
    next_offsets: dict[tuple[str, int], int]
    duplicates: int
    batch: GraphBatch


@dataclass(frozen=True, slots=True)
class _InFlight:
    prepared: _Prepared
    future: Future[float]
    """The wall time (Unix seconds) at which the batch's graph transaction committed."""


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    consumed: int
    written: int
    duplicates: int
    rejected: int


class Worker:
    def __init__(self, *, source: KafkaSource, sink: Neo4jSink, decoders: Mapping[str, Decoder],
                 stages: Sequence[Stage], dead_letters: DeadLetterWriter, metrics: WorkerMetrics,
                 group_id: str, batch_size: int, dedup_window_us: int, clock_us: Callable[[], int],
                 on_not_applied: Callable[[Sequence[str]], None] = lambda _ids: None,
                 failpoints: Failpoints | None = None, max_backoff_s: float = 10.0,
                 on_consumed: Callable[[int], None] = lambda _records: None,
                 seen_before: Callable[[str, bytes | None], bool] = lambda _topic, _value: False) -> None:
        self._source = source
        self._sink = sink
        self._decoders = decoders
        self._stages = stages
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._group_id = group_id
        self._batch_size = batch_size
        self._dedup_window_us = dedup_window_us
        self._clock_us = clock_us
        self._on_not_applied = on_not_applied
        self._on_consumed = on_consumed
        self._seen_before = seen_before
        self._max_backoff_s = max_backoff_s
        self._failpoints = failpoints or Failpoints()
        self._next_expiry_us = 0
        self.totals = {"consumed": 0, "written": 0, "duplicates": 0, "rejected": 0}

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        """Consume until ``stop`` is set, or (``until_idle``) until every partition is caught up.

        Batches are pipelined: while Neo4j commits batch N (on the writer thread), batch N+1 is
        consumed, decoded, run through the stages and planned here. Batch N's Kafka commit, metrics and
        totals follow only once its graph transaction committed; a refused or failed write falls back to
        the synchronous path (bisection, pause and retry) before anything later is written.
        """
        with (ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo4j-writer") as writer,
              ThreadPoolExecutor(max_workers=1, thread_name_prefix="applied-check") as lookups):
            pending: _InFlight | None = None
            # Start small and double up to the batch size: the first commit comes quickly even in
            # front of a backlog, and a backlog still gets full batches after a few.
            limit = min(self._batch_size, FIRST_BATCH)
            try:
                while not stop.is_set():
                    if pending is not None and pending.future.done():
                        # Committed already: its Kafka commit and metrics need not wait for a next batch.
                        self._finish(pending, stop)
                        pending = None
                    messages = self._source.consume(limit, timeout_s=0.1)
                    if messages:
                        limit = min(limit * 2, self._batch_size)
                        self._on_consumed(len(messages))
                        prepared = self._prepare(messages, stop, lookups)
                        if pending is not None:
                            self._finish(pending, stop)
                            pending = None
                        pending = self._submit(writer, prepared)
                        continue
                    if pending is not None:
                        self._finish(pending, stop)
                        pending = None
                        continue
                    if until_idle and self._idle():
                        log.info("caught up: %s", self.totals)
                        return
                if pending is not None:
                    self._finish(pending, stop)
            except RetryableError:
                if stop.is_set():
                    log.info("stopping: abandoned an uncommitted batch")
                    return
                raise

    def _idle(self) -> bool:
        if not self._source.assigned:
            # No partitions (yet): caught up only if the offsets stored with the graph reach the end
            # of every partition; otherwise wait for the group to hand partitions over.
            try:
                stored = self._sink.stored_offsets(self._group_id, self._source.topics)
            except RetryableError:
                return False
            return all(stored.get(tp, low) >= high for tp, (low, high) in self._source.watermarks().items())
        lags = self._source.lag()
        self._metrics.set_lag(lags)
        return all(lag == 0 for lag in lags.values())

    def process(self, messages: Sequence[Message], stop: threading.Event | None = None) -> BatchOutcome:
        """Run one batch through every step, synchronously: prepare, write, commit."""
        prepared = self._prepare(messages, stop)
        return self._complete(prepared, self._write(prepared, stop), stop)

    def _prepare(self, messages: Sequence[Message], stop: threading.Event | None,
                 lookups: ThreadPoolExecutor | None = None) -> _Prepared:
        """Decode, run the stages, drop applied events, dead-letter the rejected, and plan the write.

        With ``lookups``, the graph is asked which of the decoded events were applied already while the
        stages run (``_drop_applied``), instead of after them on this thread.
        """
        decoded: list[tuple[RecordOrigin, LineageEvent]] = []
        rejected: list[Rejected] = []
        values: dict[RecordOrigin, bytes | None] = {}
        next_offsets: dict[tuple[str, int], int] = {}
        duplicates: list[RecordOrigin] = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("consumer error: %s", error)
                    self._metrics.kafka_error(error)
                continue
            origin = _origin(message)
            self._metrics.consumed.labels(origin.topic).inc()
            key = (origin.topic, origin.partition)
            next_offsets[key] = max(next_offsets.get(key, 0), origin.offset + 1)
            value = message.value()
            values[origin] = value
            if self._seen_before(origin.topic, value):  # a copy of an applied event: not decoded
                duplicates.append(origin)
                continue
            try:
                decoded.append((origin, self._decode(origin.topic, value, stop)))
            except RejectedRecord as rejection:
                rejected.append((origin, value, rejection))
        early = (lookups.submit(self._sink.applied_event_ids, [event.event_id for _, event in decoded])
                 if lookups is not None and decoded else None)
        result = run_stages(self._stages, decoded)
        rejected.extend((r.item, values[r.item], r.error) for r in result.errors)
        if result.errors:
            # Dedup saw these IDs before a later stage rejected them: a fixed replay must get through.
            event_ids = {origin: event.event_id for origin, event in decoded}
            self._on_not_applied([event_ids[r.item] for r in result.errors])
        duplicates.extend(origin for origin, _stage in result.dropped)
        oks = self._drop_applied(result.oks, duplicates, stop, early)
        for origin in duplicates:
            self._metrics.duplicates.labels(origin.topic).inc()
        offset_rows = [{"group": self._group_id, "topic": t, "partition": p, "next_offset": o}
                       for (t, p), o in next_offsets.items()]
        # Dead letters are acknowledged before the offsets that skip them are committed.
        self._dead_letter(rejected, stop)
        batch = plan_batch([e for _, e in oks], offset_rows, applied_at_us=self._clock_us())
        return _Prepared(oks, offset_rows, rejected, values, next_offsets, len(duplicates), batch)

    def _submit(self, writer: ThreadPoolExecutor, prepared: _Prepared) -> _InFlight:
        """Start the batch's graph transaction on the writer thread (one attempt; no retry there)."""
        self._failpoints.hit("before_graph_commit")
        return _InFlight(prepared, writer.submit(self._timed_write, prepared.batch))

    def _finish(self, in_flight: _InFlight, stop: threading.Event | None) -> BatchOutcome:
        """Wait for the writer; on refusal or failure take the synchronous path, then commit Kafka."""
        prepared = in_flight.prepared
        try:
            written = self._record_written(prepared.oks, committed_at=in_flight.future.result())
        except (BatchRejected, RetryableError):
            # Nothing of it committed: redo it the careful way (bisection, pause and retry).
            written = self._write(prepared, stop, failpoint=False)
        return self._complete(prepared, written, stop)

    def _complete(self, prepared: _Prepared, written: list[tuple[RecordOrigin, LineageEvent]],
                  stop: threading.Event | None) -> BatchOutcome:
        self._failpoints.hit("after_graph_commit")
        self._source.commit(prepared.next_offsets)
        self._failpoints.hit("after_kafka_commit")
        for origin, _value, reason in prepared.rejected:
            self._metrics.rejected.labels(origin.topic, reason.stage, type(reason).__name__).inc()
            log.warning("rejected %s[%s]@%s at %s: %s", origin.topic, origin.partition, origin.offset,
                        reason.stage, reason.reason)
        self._expire_applied_ids(stop)
        outcome = BatchOutcome(len(prepared.values), len(written), prepared.duplicates, len(prepared.rejected))
        for name in self.totals:
            self.totals[name] += getattr(outcome, name)
        return outcome

    def _decode(self, topic: str, value: bytes | None, stop: threading.Event | None) -> LineageEvent:
        """Decode one record; while the schema registry is unreachable, pause and retry.

        Raises:
            RejectedRecord: the record is bad and goes to the dead-letter topic.
        """
        decoded: list[LineageEvent] = []
        self._retry(lambda: decoded.append(self._decoders[topic](value)), stop, "registry")
        return decoded[0]

    def _drop_applied(self, oks: list[tuple[RecordOrigin, LineageEvent]], duplicates: list[RecordOrigin],
                      stop: threading.Event | None, early: Future[set[str]] | None = None
                      ) -> list[tuple[RecordOrigin, LineageEvent]]:
        """Drop events an earlier batch applied (by this worker before a restart, or by another one).

        ``early`` is that look-up already started for the batch's decoded events (a superset of ``oks``).
        Its result is taken as the first attempt: if it failed, the look-up is retried here as usual.
        """
        applied: set[str] = set()
        started = [early] if early is not None else []

        def lookup() -> None:
            if started:
                applied.update(started.pop().result())
            else:
                applied.update(self._sink.applied_event_ids(e.event_id for _, e in oks))

        self._retry(lookup, stop, "neo4j")
        kept = []
        for origin, event in oks:
            if event.event_id in applied:
                duplicates.append(origin)
            else:
                kept.append((origin, event))
        return kept

    def _expire_applied_ids(self, stop: threading.Event | None) -> None:
        now = self._clock_us()
        if now < self._next_expiry_us:
            return
        self._next_expiry_us = now + 60_000_000
        self._retry(lambda: log.debug("expired %s applied IDs", self._sink.expire_applied(now - self._dedup_window_us)), stop, "neo4j")

    def _write(self, prepared: _Prepared, stop: threading.Event | None, *, failpoint: bool = True
               ) -> list[tuple[RecordOrigin, LineageEvent]]:
        """Write the batch; if Neo4j refuses it, find the refused events and dead-letter only them."""
        if failpoint:
            self._failpoints.hit("before_graph_commit")
        oks = prepared.oks
        try:
            self._commit(prepared.batch, stop)
            written = oks
        except BatchRejected as refusal:
            log.warning("batch of %s refused (%s); isolating the bad events", len(oks), refusal)
            written = []
            refused: list[Rejected] = []
            for origin, event, error in self._isolate(oks, stop):
                if error is None:
                    written.append((origin, event))
                else:
                    refused.append((origin, prepared.values[origin],
                                    ValidationError(f"Neo4j refused the event: {error}", stage="write")))
                    self._on_not_applied([event.event_id])
            self._dead_letter(refused, stop)
            prepared.rejected.extend(refused)
            self._commit(plan_batch((), prepared.offset_rows), stop)
        return self._record_written(written, committed_at=time.time())

    def _record_written(self, written: list[tuple[RecordOrigin, LineageEvent]], *, committed_at: float
                        ) -> list[tuple[RecordOrigin, LineageEvent]]:
        """Count the written events; their latency runs to ``committed_at``, when the graph held them
        (not to when this thread, busy with the next batch, got round to counting)."""
        self._metrics.record_written(written, committed_at)
        for _origin, event in written:
            for dataset in (*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])):
                if dataset.naming_rule == UNRECOGNIZED:
                    self._metrics.unrecognized_identifiers.labels(scheme_of(dataset.raw_namespace or "")).inc()
        return written

    def _dead_letter(self, rejected: Sequence[Rejected], stop: threading.Event | None) -> None:
        if rejected:
            self._dead_letters.send_all(rejected)
            self._retry(self._dead_letters.flush, stop, "dead_letter")

    def _isolate(self, items: list[tuple[RecordOrigin, LineageEvent]], stop: threading.Event | None
                 ) -> list[tuple[RecordOrigin, LineageEvent, BatchRejected | None]]:
        """Bisect the batch: halves that write are kept, single events that do not are the bad ones."""
        if not items:
            return []
        try:
            self._commit(plan_batch([e for _, e in items], applied_at_us=self._clock_us()), stop)
            return [(o, e, None) for o, e in items]
        except BatchRejected as refusal:
            if len(items) == 1:
                return [(items[0][0], items[0][1], refusal)]
        middle = len(items) // 2
        return self._isolate(items[:middle], stop) + self._isolate(items[middle:], stop)

    def _commit(self, batch: GraphBatch, stop: threading.Event | None) -> None:
        self._retry(lambda: self._timed_write(batch), stop, "neo4j")

    def _timed_write(self, batch: GraphBatch) -> float:
        """Write and commit ``batch``; returns the wall time of the commit."""
        started = time.perf_counter()
        self._sink.write(batch)
        committed_at = time.time()
        self._metrics.record_write_seconds(time.perf_counter() - started)
        return committed_at

    def _retry(self, action: Callable[[], object], stop: threading.Event | None, dependency: str) -> None:
        """Run ``action`` until it succeeds; while a dependency is down, pause partitions but stay in the group.

        ``dependency`` is the one ``action`` needs (``registry`` only when the schema is not cached yet,
        so a first-try success does not mark the registry up).
        """
        backoff = Backoff(maximum_s=self._max_backoff_s)
        paused = False
        failed = False
        try:
            while True:
                try:
                    action()
                    if failed or dependency != "registry":
                        self._metrics.dependency_ok(dependency)
                    return
                except RetryableError as error:
                    if stop is not None and stop.is_set():
                        raise
                    failed = True
                    self._metrics.dependency_failed(dependency, error, retried=True)
                    delay = backoff.delay(error)
                    log.warning("%s; retrying in %.1fs", error, delay)
                    if not paused:
                        self._source.pause_all()
                        paused = True
                    deadline = time.monotonic() + delay
                    while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
                        self._source.keep_alive()
        finally:
            if paused:
                self._source.resume_all()


def _origin(message: Message) -> RecordOrigin:
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    assert topic is not None and partition is not None and offset is not None, "a consumed record has a position"
    _, timestamp = message.timestamp()
    return RecordOrigin(
        topic=topic,
        partition=partition,
        offset=offset,
        key=message.key(),
        timestamp_ms=timestamp if timestamp > 0 else None,
        headers=plain_headers(message.headers()),
    )
