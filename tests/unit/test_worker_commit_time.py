"""The worker's latency ends when the graph committed, not when the main thread next looks.

Batches are pipelined: batch 2 is decoded and planned while batch 1 commits on the writer thread. The
events of batch 1 were in the graph from its commit on; counting them only after batch 2's preparation
overstated their latency by that preparation (and by the wait for batch 2's records).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Iterable, Sequence

from confluent_kafka import Message
from prometheus_client import CollectorRegistry

from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.graph.plan import GraphBatch
from lineage_stream.model import LineageEvent, RecordOrigin
from lineage_stream.worker import Worker
from tests.factories import run_event

PREPARE_S = 0.3
"""How long decoding batch 2 takes: far longer than any scheduling noise."""


class _Source:
    topics = ["t"]
    assigned = {("t", 0)}

    def __init__(self, batches: list[list[Message]]) -> None:
        self._batches = batches
        self.commits: list[dict[tuple[str, int], int]] = []

    def consume(self, max_records: int, timeout_s: float) -> list[Message]:
        if self._batches:
            return self._batches.pop(0)
        time.sleep(min(timeout_s, 0.01))
        return []

    def commit(self, next_offsets: dict[tuple[str, int], int]) -> None:
        self.commits.append(dict(next_offsets))

    def lag(self) -> dict[tuple[str, int], int]:
        return {("t", 0): 0} if not self._batches else {("t", 0): 1}


class _Sink:
    def __init__(self) -> None:
        self.committed_at: list[float] = []

    def write(self, batch: GraphBatch) -> None:
        time.sleep(0.02)
        self.committed_at.append(time.time())

    def applied_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        list(event_ids)
        return set()

    def expire_applied(self, horizon_us: int, limit: int = 10_000) -> int:
        return 0


class _Metrics(WorkerMetrics):
    def __init__(self) -> None:
        super().__init__(CollectorRegistry())
        self.counted_at: list[float] = []

    def record_written(self, written: Iterable[tuple[RecordOrigin, LineageEvent]], now: float) -> None:
        self.counted_at.append(now)
        super().record_written(written, now)


def _message(offset: int) -> Message:
    return Message(topic="t", partition=0, offset=offset, key=None, value=str(offset).encode(),
                   timestamp=(1, int(time.time() * 1000)), headers=None)


def _decode(value: bytes | None) -> LineageEvent:
    offset = int(value or b"0")
    if offset == 1:  # batch 2: slow to prepare while batch 1 commits
        time.sleep(PREPARE_S)
    return run_event(f"run-{offset}", at_us=time.time_ns() // 1000)


def _worker(source: _Source, sink: _Sink, metrics: _Metrics, **options: Any) -> Worker:
    class _DeadLetters:
        def send_all(self, rejected: Sequence[object]) -> None:
            raise AssertionError(f"nothing should be rejected: {rejected}")

    return Worker(source=source, sink=sink, decoders={"t": _decode}, stages=(),  # type: ignore[arg-type]
                  dead_letters=_DeadLetters(), metrics=metrics, group_id="g", batch_size=10,  # type: ignore[arg-type]
                  dedup_window_us=60_000_000, clock_us=lambda: time.time_ns() // 1000, **options)


def test_a_pipelined_batch_counts_its_latency_to_its_own_commit() -> None:
    source, sink, metrics = _Source([[_message(0)], [_message(1)]]), _Sink(), _Metrics()
    _worker(source, sink, metrics).run(threading.Event(), until_idle=True)

    assert len(sink.committed_at) == 2 and len(metrics.counted_at) == 2
    # Batch 1 committed while batch 2 was being prepared (PREPARE_S); its events count from then.
    assert abs(metrics.counted_at[0] - sink.committed_at[0]) < 0.01, (metrics.counted_at, sink.committed_at)
    assert abs(metrics.counted_at[1] - sink.committed_at[1]) < 0.01, (metrics.counted_at, sink.committed_at)
    assert source.commits == [{("t", 0): 1}, {("t", 0): 2}]
