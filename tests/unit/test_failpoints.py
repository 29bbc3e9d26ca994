from __future__ import annotations

import subprocess
import sys

import pytest

from lineage_stream.errors import ConfigError
from lineage_stream.failpoints import Failpoints


def test_parse_rejects_unknown_points_and_bad_counts():
    with pytest.raises(ConfigError, match="unknown failpoint"):
        Failpoints.parse("somewhere=1")
    with pytest.raises(ConfigError, match="positive count"):
        Failpoints.parse("after_graph_commit=0")


def test_nothing_configured_is_a_no_op():
    points = Failpoints.parse("")
    for _ in range(3):
        points.hit("after_graph_commit")


def test_the_nth_hit_kills_the_process():
    code = (
        "from lineage_stream.failpoints import Failpoints\n"
        "p = Failpoints.parse('after_graph_commit=2')\n"
        "p.hit('after_graph_commit'); print('survived first', flush=True)\n"
        "p.hit('after_graph_commit'); print('survived second', flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == -9
    assert done.stdout == "survived first\n"
