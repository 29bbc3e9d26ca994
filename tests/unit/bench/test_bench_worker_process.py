from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_a_spawned_process_reports_its_own_peak_not_its_parents():
    """``ru_maxrss`` survives ``exec``: a worker spawned by a large bench reported the bench's memory."""
    ballast = bytearray(300 << 20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page: 300 MiB resident here
    out = subprocess.run(
        [sys.executable, "-c", "from lineage_stream_dev.bench.worker_process import own_peak_rss_kib as p; print(p())"],
        capture_output=True, text=True, check=True,
    )
    assert int(out.stdout) < 150 * 1024, f"{int(out.stdout) >> 10} MiB"
    del ballast
