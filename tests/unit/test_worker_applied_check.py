"""The graph is asked which events of a batch were applied already while the stages run, not after.

That look-up is a Neo4j round trip per batch. Done after the stages, on the main thread, it was a wait
in every batch's preparation, which the queue in front of a busy worker multiplies into latency.
"""

from __future__ import annotations

import threading
from typing import Iterable

import pytest

from lineage_stream.errors import SinkAuthError, SinkUnavailable
from lineage_stream.model import LineageEvent
from tests.factories import run_event
from tests.unit.test_worker_commit_time import _message, _Metrics, _Sink, _Source, _worker


class _Graph(_Sink):
    """Applied-ID look-ups that answer ``applied``, after the failures queued in ``failures``."""

    def __init__(self, applied: set[str], failures: list[Exception] | None = None) -> None:
        super().__init__()
        self.applied = applied
        self.failures = failures or []
        self.asked: list[tuple[str, list[str]]] = []
        self.started = threading.Event()

    def applied_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        ids = list(event_ids)
        self.asked.append((threading.current_thread().name, ids))
        self.started.set()
        if self.failures:
            raise self.failures.pop(0)
        return self.applied & set(ids)


class _WaitForLookup:
    """A stage that notes, for each event, whether the look-up had started by the time it ran."""

    name = "wait"

    def __init__(self, graph: _Graph) -> None:
        self._graph = graph
        self.overlapped: list[bool] = []

    def __call__(self, event: LineageEvent) -> LineageEvent:
        self.overlapped.append(self._graph.started.wait(5.0))
        return event


class _Source2(_Source):
    def pause_all(self) -> None:
        pass

    def resume_all(self) -> None:
        pass

    def keep_alive(self) -> None:
        pass


def _decode(value: bytes | None) -> LineageEvent:
    offset = int(value or b"0")
    return run_event(f"run-{offset}", event_id=f"e{offset}")


def _run(graph: _Graph) -> tuple[_Source2, _WaitForLookup, dict[str, int]]:
    source = _Source2([[_message(0), _message(1), _message(2)]])
    stage = _WaitForLookup(graph)
    worker = _worker(source, graph, _Metrics(), max_backoff_s=0.01)  # type: ignore[arg-type]
    worker._decoders = {"t": _decode}  # type: ignore[dict-item]
    worker._stages = (stage,)  # type: ignore[assignment]
    worker.run(threading.Event(), until_idle=True)
    return source, stage, worker.totals


def test_the_applied_check_runs_beside_the_stages_and_drops_what_the_graph_holds() -> None:
    graph = _Graph(applied={"e1"})
    source, stage, totals = _run(graph)

    assert stage.overlapped == [True, True, True]  # before: the stages ran first, and waited in vain
    assert [(thread.startswith("applied-check"), ids) for thread, ids in graph.asked] == [(True, ["e0", "e1", "e2"])]
    assert totals == {"consumed": 3, "written": 2, "duplicates": 1, "rejected": 0}
    assert source.commits == [{("t", 0): 3}]


def test_a_failed_early_check_is_retried_as_before() -> None:
    graph = _Graph(applied={"e2"}, failures=[SinkUnavailable("Neo4j unavailable while checking event IDs")])
    _source, _stage, totals = _run(graph)

    assert [thread.startswith("applied-check") for thread, _ids in graph.asked] == [True, False]
    assert graph.asked[1][1] == ["e0", "e1", "e2"]  # asked again, on the main thread, after the pause
    assert totals == {"consumed": 3, "written": 2, "duplicates": 1, "rejected": 0}


def test_an_error_that_is_not_retried_stops_the_worker_as_before() -> None:
    graph = _Graph(applied=set(), failures=[SinkAuthError("Neo4j refused user 'neo4j' while checking event IDs")])
    with pytest.raises(SinkAuthError, match="refused"):
        _run(graph)
    assert len(graph.asked) == 1 and graph.committed_at == []
