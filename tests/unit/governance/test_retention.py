from __future__ import annotations

import random

import pytest

from lineage_stream.governance.retention import (
    HISTOGRAM_BUCKETS,
    RetentionRule,
    RunSummary,
    bucket_upper_us,
    expiring,
    fold,
    histogram_index,
    percentile_us,
)

DAY = 86_400_000_000


def _runs(n: int, now: int) -> list[RunSummary]:
    return [RunSummary(f"r{i}", "FAIL" if i % 5 == 0 else "COMPLETE", now - i * DAY, now - i * DAY - 60_000_000,
                       now - i * DAY, (f"in|t{i % 3}",), ("out|t",)) for i in range(n)]


def test_a_run_stays_when_the_window_or_the_count_keeps_it():
    now = 100 * DAY
    runs = _runs(30, now)
    assert {r.run_id for r in expiring(runs, RetentionRule(7 * DAY, None), now)} == {f"r{i}" for i in range(8, 30)}
    assert {r.run_id for r in expiring(runs, RetentionRule(None, 20), now)} == {f"r{i}" for i in range(20, 30)}
    assert {r.run_id for r in expiring(runs, RetentionRule(7 * DAY, 20), now)} == {f"r{i}" for i in range(20, 30)}
    with pytest.raises(ValueError):
        RetentionRule(None, None)


def test_folding_in_any_split_gives_the_same_bucket():
    runs = _runs(40, 100 * DAY)
    whole = fold(None, runs, 0, DAY)
    random.Random(3).shuffle(runs)
    split = fold(fold(fold(None, runs[:7], 0, DAY), runs[7:25], 0, DAY), runs[25:], 0, DAY)
    assert whole == split
    assert whole["runs"] == 40 and whole["failed"] == 8 and whole["completed"] == 32
    assert whole["datasets_read"] == ["in|t0", "in|t1", "in|t2"] and whole["datasets_written"] == ["out|t"]
    assert whole["duration_count"] == 40 and whole["duration_sum_us"] == 40 * 60_000_000


def test_percentiles_come_from_the_histogram_within_one_bucket_width():
    durations = [1_000_000 * k for k in range(1, 101)]  # 1 s .. 100 s
    histogram = [0] * HISTOGRAM_BUCKETS
    for d in durations:
        histogram[histogram_index(d)] += 1
    p50, p90 = percentile_us(histogram, 0.5), percentile_us(histogram, 0.9)
    assert p50 is not None and 50_000_000 <= p50 <= 50_000_000 * 2 ** 0.5 + 1
    assert p90 is not None and 90_000_000 <= p90 <= 90_000_000 * 2 ** 0.5 + 1
    assert percentile_us([0] * HISTOGRAM_BUCKETS, 0.5) is None
    assert all(histogram_index(bucket_upper_us(i) - 1) <= i for i in range(1, HISTOGRAM_BUCKETS))
