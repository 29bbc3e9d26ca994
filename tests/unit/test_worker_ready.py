"""What the worker builds beside its start-up (the registry client) is waited for right after the first
poll, which serves the group's assignment and starts the fetch: its build overlaps them, and settings
it refuses still stop the worker before anything is decoded, written or committed."""

from __future__ import annotations

import threading

import pytest

from tests.unit.test_worker_commit_time import _message, _Metrics, _Sink, _Source, _worker


class _Calls(_Source):
    def __init__(self, batches, calls: list[str]) -> None:
        super().__init__(batches)
        self._calls = calls

    def consume(self, max_records, timeout_s):
        self._calls.append("poll")
        return super().consume(max_records, timeout_s)


def test_ready_is_waited_for_once_after_the_first_poll() -> None:
    calls: list[str] = []
    source, sink = _Calls([[_message(0)], [_message(2)]], calls), _Sink()
    _worker(source, sink, _Metrics(), ready=lambda: calls.append("ready")).run(threading.Event(), until_idle=True)
    assert calls[:3] == ["poll", "ready", "poll"] and calls.count("ready") == 1
    assert len(sink.committed_at) == 2


def test_what_ready_raises_stops_the_worker_before_anything_is_written() -> None:
    def refused() -> None:
        raise ValueError("the registry client refuses these settings")

    source, sink = _Source([[_message(0)]]), _Sink()
    with pytest.raises(ValueError, match="refuses these settings"):
        _worker(source, sink, _Metrics(), ready=refused).run(threading.Event(), until_idle=True)
    assert sink.committed_at == [] and source.commits == []
