"""The facet rule (graph/facets.py): each facet is the latest of its own name, deletions are tombstones."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from factories import BASE_US, dataset, run_event
from lineage_stream.graph.facets import facet_rows, facet_times, is_deletion, live_facets, merge_facets
from lineage_stream.graph.plan import plan_batch
from lineage_stream.model import LineageEvent, Run

DOC = '{"description":"orders, one row per order"}'
DOC_OLD = '{"description":"orders"}'
SOURCE = '{"name":"duckdb","uri":"duckdb:///tmp/x.duckdb"}'
QUALITY = '{"assertions":[{"assertion":"not_null","success":true}]}'
DELETED = '{"_deleted":true}'


def _store(stored: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """What the Cypher fragment does with a batch's facet rows, as properties facet_<name> / facetat_<name>."""
    for f in rows:
        text_key, at_key = f"facet_{f['name']}", f"facetat_{f['name']}"
        if (f["at"] > stored.get(at_key, -1)
                or (f["at"] == stored.get(at_key) and stored.get(text_key) is not None
                    and (f["text"] is None or f["text"] > stored[text_key]))):
            if f["text"] is None:
                stored.pop(text_key, None)
            else:
                stored[text_key] = f["text"]
            stored[at_key] = f["at"]


def _events() -> list[LineageEvent]:
    """dbt's pattern: the model run sends documentation and dataSource, its test run only a quality facet;
    a later run deletes the data source; an older event, delivered late, carries the old documentation."""
    def out(at: int, **facets: str) -> LineageEvent:
        return run_event(f"r{at}", at_us=BASE_US + at, outputs=(dataset("orders", facets=facets),))
    return [out(10, documentation=DOC, dataSource=SOURCE), out(20, dataQualityAssertions=QUALITY),
            out(30, dataSource=DELETED), out(5, documentation=DOC_OLD, dataSource=SOURCE),
            out(10, documentation=DOC_OLD)]  # a tie with the first: the greater text wins


def _graph(events: list[LineageEvent], sizes: list[int]) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    start = 0
    for size in sizes:
        for row in plan_batch(events[start:start + size]).datasets:
            _store(stored, row["facets"])
        start += size
    return stored


def test_facets_accumulate_per_name_and_deletions_stay_deleted():
    stored = _graph(_events(), [1] * 5)
    assert live_facets(stored) == {"documentation": DOC, "dataQualityAssertions": QUALITY}
    assert facet_times(stored) == {"documentation": BASE_US + 10, "dataQualityAssertions": BASE_US + 20,
                                   "dataSource": BASE_US + 30}


def test_any_order_and_batch_split_gives_the_same_facets():
    events = _events()
    expected = _graph(events, [len(events)])
    for seed in range(50):
        rng = random.Random(seed)
        shuffled = events[:]
        rng.shuffle(shuffled)
        sizes, left = [], len(shuffled)
        while left:
            sizes.append(rng.randint(1, left))
            left -= sizes[-1]
        assert _graph(shuffled, sizes) == expected, (seed, sizes)
        assert _graph(shuffled + shuffled, sizes + sizes) == expected  # applied twice: idempotent


def test_a_deletion_and_a_facet_at_the_same_time_delete_whatever_the_order():
    target: dict[str, Any] = {}
    merge_facets(target, {"sql": '{"query":"SELECT 1"}'}, BASE_US)
    merge_facets(target, {"sql": DELETED}, BASE_US)
    other: dict[str, Any] = {}
    merge_facets(other, {"sql": DELETED}, BASE_US)
    merge_facets(other, {"sql": '{"query":"SELECT 1"}'}, BASE_US)
    assert facet_rows(target) == facet_rows(other) == [{"name": "sql", "at": BASE_US, "text": None}]


def test_only_a_top_level_deleted_true_deletes():
    assert is_deletion('{"_deleted":true}') and is_deletion('{"_deleted": true, "_producer": "p"}')
    assert not is_deletion('{"_deleted":false}')
    assert not is_deletion('{"fields":[{"_deleted":true}]}')
    assert not is_deletion('{"_deleted":"true"}')


def test_io_facets_belong_to_the_run_edge_and_run_facets_to_the_run():
    read = dataset("src", io_facets={"dataQualityMetrics": '{"rowCount":3}'}, facets={"documentation": DOC})
    event = run_event("r", inputs=(read,))
    event = replace(event, run=Run("r", facets={"processing_engine": '{"name":"dbt"}'}))
    batch = plan_batch([event])
    (ds,) = batch.datasets
    assert [f["name"] for f in ds["facets"]] == ["documentation"]
    (edge,) = batch.run_reads
    assert "facets" not in edge  # set by a statement of its own, on the rows that carry facets
    (edge_facets,) = batch.run_read_facets
    assert edge_facets == {"run_id": "r", "namespace": read.namespace, "name": "src", "r": 0, "d": 0,
                           "facets": [{"name": "dataQualityMetrics", "at": BASE_US, "text": '{"rowCount":3}'}]}
    assert batch.run_write_facets == []
    (run,) = batch.runs
    assert [f["name"] for f in run["facets"]] == ["processing_engine"]


def test_a_job_events_io_facets_go_on_the_job_level_edge():
    from lineage_stream.model import EventKind, Job, LineageEvent
    out = dataset("dst", io_facets={"outputStatistics": '{"rowCount":7}'})
    event = LineageEvent("j1", EventKind.JOB, BASE_US, "tests", job=Job("ns", "job"), outputs=(out,))
    (edge,) = plan_batch([event]).job_writes
    assert edge["facets"] == [{"name": "outputStatistics", "at": BASE_US, "text": '{"rowCount":7}'}]


def test_a_nul_in_a_facet_name_is_stored_as_a_replacement_character():
    target: dict[str, Any] = {}
    merge_facets(target, {"bad\x00name": "{}"}, BASE_US)
    assert list(target) == ["bad\ufffdname"]


def test_the_old_combined_object_splits_into_facet_rows():
    from lineage_stream.graph.facets import split_combined
    rows = split_combined('{"b": {"x": 1, "a": "é"}, "a": {"_deleted": true}}', 7)
    assert rows == [{"name": "a", "at": 7, "text": None}, {"name": "b", "at": 7, "text": '{"a":"é","x":1}'}]
    import pytest
    with pytest.raises(ValueError):
        split_combined("[1]", 7)
