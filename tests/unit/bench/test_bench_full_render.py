from __future__ import annotations

import pytest

from lineage_stream_dev.bench.full_render import BEGIN, END, render_full, write_doc
from lineage_stream_dev.bench.profile import OTHER, fold, shares
from lineage_stream_dev.bench.worker_runs import WorkerResult, percentiles


def _stats(**cumulative):
    files = {"run": "/x/lineage_stream/worker.py", "__call__": "/x/lineage_stream/pipeline/redact.py",
             "plan_batch": "/x/lineage_stream/graph/plan.py"}
    return {(files[name], 1, name): (1, 1, 0.0, seconds, {}) for name, seconds in cumulative.items()}


def test_profile_folds_into_stages_and_the_rest():
    seconds = fold(_stats(run=10.0, __call__=6.0, plan_batch=1.0))
    assert seconds["redact"] == 6.0 and seconds["plan"] == 1.0 and seconds["total"] == 10.0
    assert seconds[OTHER] == pytest.approx(3.0)
    assert shares(seconds)[0] == ("redact", 6.0, 0.6)


def test_steady_rate_uses_the_middle_of_the_run():
    result = WorkerResult(raw={"started_at": 0.0, "run_worker_at": 1.0, "returned_at": 14.0,
                               "commits": [[3.0, 100], [4.0, 200], [5.0, 500], [8.0, 900], [11.0, 1000]]})
    rate, seconds, window = result.steady()
    assert (rate, seconds, window) == (pytest.approx(800 / 5), 5.0, "10%-90%")
    assert result.startup_s == 3.0 and result.exit_delay_s == 3.0


def test_a_run_of_one_batch_falls_back_to_the_whole_run():
    result = WorkerResult(raw={"started_at": 0.0, "run_worker_at": 1.0, "commits": [[3.0, 400]]})
    assert result.steady() == (200.0, 2.0, "whole run")


def test_percentiles():
    values = [i / 100 for i in range(1, 101)]
    cut = percentiles(values)
    assert cut["p50"] == pytest.approx(0.505) and cut["p95"] < cut["p99"] <= 1.0
    assert percentiles([]) == {"p50": None, "p95": None, "p99": None}


RESULTS = {
    "config": {"json_format": False, "scoped": False},
    "neo4j": {"server": "Neo4j/5", "non_bench_nodes_before": 0},
    "stream": {"records": 1000, "distinct_events": 900, "duplicate_share": 0.1, "out_of_order_share": 0.05,
               "pii_share": 0.3, "mean_bytes": 1900.0, "datasets": 5000, "jobs": 2000, "zipf_s": 1.0,
               "partitions": 3, "produce_s": 1.0},
    "b0": {"records": 1000, "seconds": 0.1, "rate": 10000.0},
    "b1": {"records": 1000, "seconds": 0.5, "rate": 2000.0, "rows": 10800, "written_events": 900},
    "b2": {"records": 100, "seconds": 1.0, "rate": 100.0},
    "ours": {"rate": 1000.0, "steady_seconds": 0.8, "window": "10%-90%", "handled": 1000,
             "totals": {"consumed": 1000}, "startup_s": 2.0, "exit_delay_s": 0.4, "peak_rss_mib": 200.0,
             "dedup_ids": 1000000, "prefilled": 1000000, "cpu_s": 3.0, "wall_s": 5.0},
    "latency": [{"load": 0.5, "target_rate": 500.0, "achieved_rate": 499.0, "committed": 900,
                 "p50": 0.05, "p95": 0.1, "p99": 0.2, "warmup_s": 5.0, "p95_whole_run": 0.3}],
    "profile": {"records": 1000, "seconds": {"redact": 1.0, "total": 2.0, OTHER: 1.0}},
}


def test_report_states_ratios_and_every_measure():
    text = render_full(RESULTS)
    assert "0.10x" in text and "0.50x" in text and "10.00x" in text  # ours ÷ B0, B1, B2
    for needle in ("peak RSS", "200 MiB", "start-up to first commit", "exit delay", "12.0 (10,800 rows",
                   "p95", "100 ms", "redact", "50%", "after a 5 s warm-up", "300 ms"):
        assert needle in text


def test_write_doc_replaces_only_its_block(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n", encoding="utf-8")
    write_doc(doc, f"{BEGIN}\none\n{END}")
    doc.write_text(doc.read_text(encoding="utf-8") + "\n## Profile, before and after\n\nkept\n", encoding="utf-8")
    write_doc(doc, f"{BEGIN}\ntwo\n{END}")
    text = doc.read_text(encoding="utf-8")
    assert "one" not in text and "two" in text and "intro" in text and "kept" in text
    assert text.count(BEGIN) == 1
