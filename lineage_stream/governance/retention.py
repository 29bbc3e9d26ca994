"""Run retention, the pure part: which runs expire, and the per-job time buckets they fold into.

Event-level runs are kept for a window and/or the last N per job; older finished runs fold into
``(:RunBucket)`` nodes, one per job and time bucket, that keep what totals need: run count, counts
by final state, a duration histogram (so percentiles survive any number of folds: histograms add),
duration sum, and the datasets the runs read and wrote. A job's totals — detailed runs plus its
buckets — are the same before and after a fold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

# Duration histogram: bucket i holds durations below 2**(i/2) ms (i = 0..63, about 1 ms to 25 days);
# the last bucket holds everything longer.
HISTOGRAM_BUCKETS = 64
_FAILED = frozenset({"FAIL"})
_ABORTED = frozenset({"ABORT"})


@dataclass(frozen=True)
class RetentionRule:
    keep_window_us: int | None
    """Runs last seen within this of now stay in detail (None: no window)."""
    keep_last: int | None
    """The latest N runs of each job stay in detail (None: no count)."""
    bucket_us: int = 86_400_000_000

    def __post_init__(self) -> None:
        if self.keep_window_us is None and self.keep_last is None:
            raise ValueError("a retention rule needs a window, a count, or both")


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    state: str
    seen_us: int
    """When the run was last seen (its bucket and its age)."""
    started_us: int | None
    ended_us: int | None
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()


def expiring(runs: Sequence[RunSummary], rule: RetentionRule, now_us: int) -> list[RunSummary]:
    """The finished runs of one job that leave detail: outside the window and not among the last N.

    With both a window and a count, a run stays when either keeps it."""
    ordered = sorted(runs, key=lambda r: (r.seen_us, r.run_id), reverse=True)
    out = []
    for position, run in enumerate(ordered):
        kept_by_count = rule.keep_last is not None and position < rule.keep_last
        kept_by_window = rule.keep_window_us is not None and run.seen_us >= now_us - rule.keep_window_us
        if not (kept_by_count or kept_by_window):
            out.append(run)
    return out


def histogram_index(duration_us: int) -> int:
    millis = max(duration_us / 1000.0, 1e-9)
    return min(HISTOGRAM_BUCKETS - 1, max(0, math.floor(2 * math.log2(millis)) + 1))


def bucket_upper_us(index: int) -> int:
    return int(2 ** (index / 2) * 1000)


def percentile_us(histogram: Sequence[int], fraction: float) -> int | None:
    """The upper bound of the histogram bucket holding the ``fraction`` quantile (None when empty)."""
    total = sum(histogram)
    if not total:
        return None
    rank = math.ceil(fraction * total)
    seen = 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return bucket_upper_us(index)
    return bucket_upper_us(len(histogram) - 1)


def fold(existing: Mapping[str, Any] | None, runs: Iterable[RunSummary], start_us: int, width_us: int) -> dict[str, Any]:
    """The bucket's properties after adding ``runs`` to ``existing`` (a bucket already in the graph, or None)."""
    base = dict(existing or {})
    histogram = list(base.get("duration_histogram") or [0] * HISTOGRAM_BUCKETS)
    counts = {k: int(base.get(k) or 0) for k in ("runs", "completed", "failed", "aborted", "duration_count")}
    duration_sum = int(base.get("duration_sum_us") or 0)
    reads, writes = set(base.get("datasets_read") or ()), set(base.get("datasets_written") or ())
    first, last = base.get("first_run_us"), base.get("last_run_us")
    for run in runs:
        counts["runs"] += 1
        counts["failed"] += run.state in _FAILED
        counts["aborted"] += run.state in _ABORTED
        counts["completed"] += run.state == "COMPLETE"
        if run.started_us is not None and run.ended_us is not None and run.ended_us >= run.started_us:
            duration = run.ended_us - run.started_us
            histogram[histogram_index(duration)] += 1
            counts["duration_count"] += 1
            duration_sum += duration
        reads.update(run.reads)
        writes.update(run.writes)
        first = run.seen_us if first is None else min(first, run.seen_us)
        last = run.seen_us if last is None else max(last, run.seen_us)
    return {
        **counts, "start_us": start_us, "width_us": width_us, "duration_histogram": histogram,
        "duration_sum_us": duration_sum, "p50_us": percentile_us(histogram, 0.5),
        "p90_us": percentile_us(histogram, 0.9), "p99_us": percentile_us(histogram, 0.99),
        "datasets_read": sorted(reads), "datasets_written": sorted(writes),
        "first_run_us": first, "last_run_us": last,
    }


def bucket_start(seen_us: int, width_us: int) -> int:
    return seen_us - seen_us % width_us
