"""The garbage collector's pace while the worker runs (lineage_stream/collector.py)."""

from __future__ import annotations

import gc
import threading
from typing import Iterator

import pytest

from lineage_stream.collector import HIGH, LOW, PER_RECORD, CollectionPace
from tests.unit.test_worker_commit_time import _message, _Metrics, _Sink, _Source, _worker


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)
    gc.unfreeze()


def test_young_objects_are_collected_sooner_when_batches_are_small() -> None:
    with CollectionPace() as pace:
        assert gc.get_threshold()[0] == HIGH  # before the first batch: the rate may matter
        pace.batch(1_000)
        assert gc.get_threshold()[0] == HIGH
        pace.batch(400)
        assert gc.get_threshold()[0] == 400 * PER_RECORD < HIGH
        pace.batch(3)
        assert gc.get_threshold()[0] == LOW
        pace.batch(100_000)
        assert gc.get_threshold() == (HIGH, 20, 100)


def test_the_run_freezes_what_exists_and_leaves_the_thresholds_as_they_were() -> None:
    gc.set_threshold(700, 10, 10)
    kept = [object() for _ in range(10)]  # noqa: F841 - alive across the run
    with CollectionPace() as pace:
        assert gc.get_freeze_count() > 0  # start-up's objects are never traversed during the run
        pace.batch(7)
        young = [[i] for i in range(1_000)]  # tracked objects made during the run
    assert gc.get_threshold() == (700, 10, 10)
    # On the way out, what the run made goes to the oldest generation as it is: no collection of
    # everything young on exit; nothing stays frozen.
    assert gc.get_freeze_count() == 0
    assert all(gc.is_tracked(item) for item in young[:10])
    assert gc.get_count()[0] < 1_000


def test_the_worker_reports_each_batch_before_preparing_it() -> None:
    sizes: list[int] = []
    source = _Source([[_message(0)], [_message(2), _message(3), _message(4)]])
    worker = _worker(source, _Sink(), _Metrics(), on_consumed=sizes.append)
    worker.run(threading.Event(), until_idle=True)
    assert sizes == [1, 3]
