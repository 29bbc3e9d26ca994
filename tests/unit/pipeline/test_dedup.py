from __future__ import annotations

import tracemalloc

from lineage_stream.pipeline.dedup import DedupStage, Deduplicator
from factories import run_event

S = 1_000_000


def test_second_sighting_within_window_is_a_duplicate():
    dedup = Deduplicator(window_us=60 * S, max_ids=10)
    assert not dedup.is_duplicate("a", now_us=0)
    assert dedup.is_duplicate("a", now_us=59 * S)
    assert not dedup.is_duplicate("b", now_us=59 * S)


def test_ids_older_than_the_window_are_forgotten():
    dedup = Deduplicator(window_us=60 * S, max_ids=10)
    dedup.is_duplicate("a", now_us=0)
    assert not dedup.is_duplicate("a", now_us=61 * S)


def test_size_bound_evicts_oldest_first():
    dedup = Deduplicator(window_us=10**12, max_ids=3)
    for i, event_id in enumerate("abcd"):
        dedup.is_duplicate(event_id, now_us=i)
    assert len(dedup) == 3
    assert not dedup.is_duplicate("a", now_us=10)  # evicted
    assert dedup.is_duplicate("d", now_us=10)


def test_remember_and_forget():
    dedup = Deduplicator(window_us=60 * S, max_ids=10)
    dedup.remember(["x", "y"], now_us=0)
    assert dedup.is_duplicate("x", now_us=1)
    dedup.forget(["x"])
    assert not dedup.is_duplicate("x", now_us=2)


def test_stage_drops_duplicates_and_passes_new_events():
    clock = iter(range(100))
    stage = DedupStage(Deduplicator(60 * S, 10), lambda: next(clock))
    event = run_event()
    assert stage(event) is event
    assert stage(event) is None


def test_a_million_ids_fit_well_under_256_mb():
    tracemalloc.start()
    dedup = Deduplicator(window_us=10**15, max_ids=1_000_000)
    for i in range(1_000_000):
        dedup.is_duplicate(f"0193a1f0-0000-7000-8000-{i:012d}", now_us=i)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(dedup) == 1_000_000
    assert current < 256 * 1024 * 1024 / 2, f"{current / 2**20:.0f} MiB"
