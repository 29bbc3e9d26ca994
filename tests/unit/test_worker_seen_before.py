"""A record whose event ID the dedup window holds is a duplicate before it is decoded."""

from __future__ import annotations

import threading

from tests.unit.test_worker_commit_time import _message, _Metrics, _Sink, _Source, _worker


def test_a_record_seen_before_is_counted_a_duplicate_without_being_decoded() -> None:
    asked: list[tuple[str, bytes | None]] = []

    def seen_before(topic: str, value: bytes | None) -> bool:
        asked.append((topic, value))
        return value == b"2"

    source, sink, metrics = _Source([[_message(0), _message(2), _message(3)]]), _Sink(), _Metrics()
    worker = _worker(source, sink, metrics, seen_before=seen_before)
    decoded: list[bytes | None] = []
    decode = worker._decoders["t"]
    worker._decoders = {"t": lambda value: decoded.append(value) or decode(value)}  # type: ignore[misc]
    worker.run(threading.Event(), until_idle=True)

    assert asked == [("t", b"0"), ("t", b"2"), ("t", b"3")]
    assert decoded == [b"0", b"3"]
    assert worker.totals == {"consumed": 3, "written": 2, "duplicates": 1, "rejected": 0}
    assert metrics.duplicates.labels("t")._value.get() == 1
    assert source.commits == [{("t", 0): 4}]  # its offset is committed with the batch
