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


def test_a_million_ids_take_under_32_mb():
    tracemalloc.start()
    dedup = Deduplicator(window_us=10**15, max_ids=1_000_000)
    for i in range(1_000_000):
        dedup.is_duplicate(f"0193a1f0-0000-7000-8000-{i:012d}", now_us=i)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(dedup) == 1_000_000
    assert current < 32 * 1024 * 1024, f"{current / 2**20:.0f} MiB"


def test_a_window_expiring_a_million_ids_at_once_is_quick():
    """Evicting one ID at a time from the front of a dict rescans the freed slots: quadratic."""
    import time

    dedup = Deduplicator(window_us=60 * S, max_ids=1_000_000)
    dedup.remember((f"id-{i}" for i in range(1_000_000)), now_us=0)
    started = time.process_time()
    assert not dedup.is_duplicate("id-0", now_us=3600 * S)  # the whole window expired
    assert time.process_time() - started < 1.0
    assert len(dedup) == 1


def test_a_full_window_keeps_at_least_fifteen_sixteenths_of_the_newest_ids():
    dedup = Deduplicator(window_us=10**15, max_ids=1600)
    for i in range(5000):
        dedup.is_duplicate(f"e{i}", now_us=i)
    assert 1500 <= len(dedup) <= 1600
    assert all(dedup.is_duplicate(f"e{i}", now_us=5000) for i in range(5000 - 1500, 5000))
    assert not dedup.is_duplicate("e0", now_us=5000)


def test_forget_inside_an_older_slice():
    dedup = Deduplicator(window_us=10**15, max_ids=160)
    for i in range(100):
        dedup.is_duplicate(f"e{i}", now_us=i)
    dedup.forget(["e3", "e99"])
    assert len(dedup) == 98
    assert not dedup.is_duplicate("e3", now_us=200) and not dedup.is_duplicate("e99", now_us=200)


def test_sealed_slices_agree_with_a_plain_set_through_evictions_and_forgets():
    """Whatever mix of new IDs, repeats, forgets and expiries: every ID seen within the window and
    among the newest 15/16 of ``max_ids`` is a duplicate, and an ID never seen (or forgotten) is not."""
    import random

    rng = random.Random(7)
    dedup = Deduplicator(window_us=5_000, max_ids=1_600)
    seen: dict[str, int] = {}
    order: list[str] = []
    for now in range(20_000):
        roll = rng.random()
        if roll < 0.7 or not order:
            event_id = f"n{now}"
            assert not dedup.is_duplicate(event_id, now_us=now)
            seen[event_id] = now
            order.append(event_id)
        elif roll < 0.95:
            event_id = rng.choice(order[-1_400:])
            if seen.get(event_id, -10**9) >= now - 5_000:
                assert dedup.is_duplicate(event_id, now_us=now), (event_id, now)
        else:
            event_id = order[-rng.randint(1, min(len(order), 1_400))]
            dedup.forget([event_id])
            seen.pop(event_id, None)
            assert not dedup.is_duplicate(event_id, now_us=now)
            seen[event_id] = now
        assert len(dedup) <= 1_600


def test_holds_remembers_nothing_and_seen_before_reads_only_held_ids():
    from lineage_stream.pipeline.dedup import SeenBefore

    dedup = Deduplicator(window_us=1_000, max_ids=100)
    assert not dedup.holds("a", 0)
    assert not dedup.is_duplicate("a", 0)  # holds did not remember it
    assert dedup.holds("a", 10) and len(dedup) == 1
    assert not dedup.holds("a", 5_000)  # past the window

    peeked: list[bytes | None] = []

    def peek(value: bytes | None) -> str | None:
        peeked.append(value)
        return value.decode() if value else None

    dedup.is_duplicate("b", 0)
    seen = SeenBefore(dedup, lambda: 1, {"avro": peek})
    assert seen("avro", b"b") and not seen("avro", b"c") and not seen("avro", None)
    assert not seen("json", b"b") and peeked == [b"b", b"c", None]  # no reader for that topic
    assert not dedup.holds("c", 1)
