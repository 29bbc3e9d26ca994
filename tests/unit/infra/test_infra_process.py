"""Pid files, liveness and stopping of detached processes (local `sleep`, no network)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from lineage_stream_dev.infra import process
from lineage_stream_dev.infra.process import PidRecord


def test_pid_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run" / "svc.pid"
    process.write_pid_file(path, PidRecord(1234, "/data/svc"))
    assert process.read_pid_file(path) == PidRecord(1234, "/data/svc")
    process.remove_pid_file(path)
    assert process.read_pid_file(path) is None
    process.remove_pid_file(path)  # idempotent


def test_malformed_pid_files_read_as_none(tmp_path: Path) -> None:
    path = tmp_path / "svc.pid"
    for content in ("", "abc\n", "-5\n", "0\n"):
        path.write_text(content)
        assert process.read_pid_file(path) is None
    path.write_text("42\n")
    assert process.read_pid_file(path) == PidRecord(42, "")


def test_dead_or_foreign_pid_is_not_running(tmp_path: Path) -> None:
    path = tmp_path / "svc.pid"
    # Our own pid is alive, but its command line lacks the marker: it is not "ours".
    process.write_pid_file(path, PidRecord(os.getpid(), "no-such-marker-xyz"))
    assert process.running_pid(path) is None
    process.write_pid_file(path, PidRecord(os.getpid(), ""))
    assert process.running_pid(path) == os.getpid()
    process.write_pid_file(path, PidRecord(2**22 + 12345, ""))
    assert process.running_pid(path) is None


def test_spawn_status_and_stop(tmp_path: Path) -> None:
    marker = str(tmp_path / "marker-dir")
    script = "import signal, sys, time; time.sleep(60)"
    proc = process.spawn(
        [sys.executable, "-c", script, marker],
        log_file=tmp_path / "logs" / "svc.log",
        pid_file=tmp_path / "run" / "svc.pid",
        marker=marker,
        cwd=tmp_path / "cwd",
    )
    try:
        assert process.running_pid(tmp_path / "run" / "svc.pid") == proc.pid
        assert os.getsid(proc.pid) == proc.pid  # its own session
        assert process.rss_kib(proc.pid) is not None
        stopped = process.stop(tmp_path / "run" / "svc.pid", timeout=10)
        assert stopped == proc.pid
        assert proc.wait(timeout=5) is not None
        assert not (tmp_path / "run" / "svc.pid").exists()
        assert process.stop(tmp_path / "run" / "svc.pid", timeout=1) is None
        assert "starting:" in (tmp_path / "logs" / "svc.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    marker = str(tmp_path / "stubborn")
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('IGNORING' + '-SIGTERM', flush=True); time.sleep(60)"
    )
    log_file = tmp_path / "svc.log"
    proc = process.spawn(
        [sys.executable, "-c", script, marker],
        log_file=log_file, pid_file=tmp_path / "svc.pid", marker=marker, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 10
        while "IGNORING-SIGTERM" not in log_file.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        began = time.monotonic()
        assert process.stop(tmp_path / "svc.pid", timeout=0.5) == proc.pid
        assert time.monotonic() - began >= 0.5  # SIGTERM was ignored, SIGKILL ended it
        assert not process.is_alive(proc.pid, marker)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_tail(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    assert process.tail(path) == ""
    path.write_text("".join(f"line {i}\n" for i in range(100)))
    assert process.tail(path, 3) == "line 97\nline 98\nline 99\n"
