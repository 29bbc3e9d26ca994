from __future__ import annotations

import pytest

from lineage_stream_dev.bench.consume import CONFLUENT, FAUST, ConsumeReport, ConsumeRun, run_order
from lineage_stream_dev.bench.pipeline import PipelineReport
from lineage_stream_dev.bench.render import render_consume, render_pipeline, render_worker
from lineage_stream_dev.bench.worker import WorkerReport, WorkerRun


def consume_report(confluent, faust):
    report = ConsumeReport("bench-consume-x", 1000, 3, "lz4", 0.5, 1.0, 1900.0)
    for repetition, (a, b) in enumerate(zip(confluent, faust)):
        first, second = run_order(repetition)
        for framework, value in ((CONFLUENT, a), (FAUST, b)):
            position = 1 if framework == first else 2
            report.runs.append(ConsumeRun(framework, repetition, position, 1000, decoded=1000, complete=value > 0,
                                          rate=value, startup_s=1.0, consume_s=1000 / value if value else None,
                                          total_s=1.0 + 1000 / value if value else None, wall_s=2.0))
    return report


def test_order_alternates():
    assert run_order(0) == (CONFLUENT, FAUST)
    assert run_order(1) == (FAUST, CONFLUENT)
    assert run_order(2) == run_order(0)


def test_ratio_is_paired_per_repetition():
    report = consume_report([1000.0, 3000.0, 2000.0], [500.0, 1000.0, 1000.0])
    ratio = report.ratio()
    assert (ratio.median, ratio.low, ratio.high, ratio.count) == (2.0, 2.0, 3.0, 3)
    assert report.summary(CONFLUENT).median == 2000.0
    assert report.summary(FAUST).median == 1000.0


def test_incomplete_runs_leave_the_summary_and_the_ratio():
    report = consume_report([1000.0, 1000.0], [500.0, 0.0])
    assert report.summary(FAUST).count == 1
    assert report.ratio().count == 1
    assert "INCOMPLETE faust-streaming repetition 2" in render_consume(report)


def test_rate_including_start_up():
    report = consume_report([1000.0], [500.0])
    assert report.overall(CONFLUENT).median == 500.0  # 1000 records in 1 s start-up + 1 s
    assert report.overall(FAUST).median == pytest.approx(1000 / 3)


def test_consume_rendering_shows_absolute_figures_and_the_ratio():
    text = render_consume(consume_report([1000.0, 3000.0, 2000.0], [500.0, 1000.0, 1000.0]))
    assert "confluent-kafka" in text and "faust-streaming" in text
    assert "2,000/s" in text and "1,000/s" in text
    assert "median 2.00x (min 2.00x, max 3.00x, 3 pairs)" in text
    assert "went first: 1:confluent-kafka; 2:faust-streaming; 3:confluent-kafka" in text


def test_skipped_framework_is_named():
    report = consume_report([1000.0], [0.0])
    report.runs = [r for r in report.runs if r.framework == CONFLUENT]
    report.skipped[FAUST] = "faust-streaming is not installed"
    assert report.ratio() is None
    assert "faust-streaming is not installed" in render_consume(report)


def test_pipeline_rendering_combines_decode_and_stages():
    report = PipelineReport(1000, 100, decode_rates=[4000.0, 4000.0], pipeline_rates=[4000.0, 4000.0],
                            stage_seconds={"dedup": 0.1, "redact": 0.3}, passed=1000)
    text = render_pipeline(report)
    assert "2,000/s" in text  # 1 / (1/4000 + 1/4000)
    assert "redact" in text and "75%" in text


def test_worker_rendering():
    report = WorkerReport(1000, 1000, neo4j_server="Neo4j/5")
    report.runs.append(WorkerRun(0, 1000, totals={"written": 1000, "rejected": 0}, wall_s=2.0, neo4j_s=1.0,
                                 first_consumed_s=0.5, last_written_s=1.5, deleted={"datasets": 10}))
    text = render_worker(report)
    assert "500/s" in text and "50%" in text and "Neo4j/5" in text
    assert report.summary.median == pytest.approx(500.0)
    assert report.steady.median == pytest.approx(1000.0)  # 1000 events between 0.5 s and 1.5 s
    assert "1,000/s" in text
