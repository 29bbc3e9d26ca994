from __future__ import annotations

import json

from lineage_stream_dev.bench.child import ChildResult, parse_child_args


def decode_ok(value):
    return value


def decode_failing(value):
    if value == b"bad":
        raise ValueError("broken record")
    return value


def test_window_opens_at_the_first_batch_and_closes_at_the_target(monkeypatch):
    clock = iter([10.0, 12.0, 15.0])
    monkeypatch.setattr("lineage_stream_dev.bench.child.time.perf_counter", lambda: next(clock))
    result = ChildResult("x", target=3, started=9.0)
    result.batch_received()  # 10.0
    result.decode_batch(decode_ok, [b"a", b"b"])
    assert not result.complete
    result.batch_received()  # first already set: no clock read
    result.decode_batch(decode_ok, [b"c"])  # 12.0 closes the window
    assert result.complete and result.done
    assert result.startup_s == 1.0
    assert result.consume_s == 2.0
    assert result.total_s == 3.0
    assert result.batches == 2 and result.decoded == 3


def test_decode_failures_are_counted_with_the_first_reason():
    result = ChildResult("x", target=10, started=0.0)
    result.decode_batch(decode_failing, [b"ok", b"bad", b"bad"])
    assert result.errors == 2
    assert result.first_error == "ValueError: broken record"


def test_result_file_is_json_without_private_fields(tmp_path):
    result = ChildResult("faust-streaming", target=1, started=0.0)
    result.decode_batch(decode_ok, [b"a"])
    path = tmp_path / "r.json"
    result.write(path)
    data = json.loads(path.read_text())
    assert data["impl"] == "faust-streaming" and data["complete"] is True and data["decoded"] == 1
    assert "started" not in data and not any(k.startswith("_") for k in data)


def test_child_arguments(tmp_path):
    args = parse_child_args(["--topic", "t", "--events", "5", "--group", "g", "--result", str(tmp_path / "r.json")],
                            prog="x")
    assert (args.topic, args.events, args.group, args.bootstrap) == ("t", 5, "g", "127.0.0.1:9092")
