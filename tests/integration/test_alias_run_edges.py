"""A run's edges go to the dataset a name is an alias of (a symlink), not to the alias.

The batch statement resolves each dataset row's aliases once (UPSERT_DATASETS returns ``canonicals``)
and the run edges take them from that list. These pin what that must keep: the alias known from an
earlier batch or from the same batch, a dataset that is an alias of two, and the job-level roll-up.
"""

from __future__ import annotations

import pytest

from lineage_stream.graph.plan import plan_batch
from lineage_stream.model import Dataset, EventKind, LineageEvent, RunState, Symlink
from tests.factories import run_event

pytestmark = pytest.mark.integration
T = 1_735_689_600_000_000


def _declares(tag: str, event_id: str, table: str, alias: str, at: int) -> LineageEvent:
    """A DatasetEvent saying ``hive://meta-<tag>`` ``alias`` is a symlink of ``table``."""
    dataset = Dataset(f"postgres://db-{tag}:5432", table, symlinks=(Symlink(f"hive://meta-{tag}:9083", alias, "TABLE"),))
    return LineageEvent(f"{tag}-{event_id}", EventKind.DATASET, at, "tests", dataset=dataset)


def _reads_alias(tag: str, run_id: str, alias: str, at: int) -> LineageEvent:
    return run_event(f"{tag}-{run_id}", state=RunState.COMPLETE, at_us=at, job=(f"airflow-{tag}", "load"),
                     inputs=(Dataset(f"hive://meta-{tag}:9083", alias),),
                     outputs=(Dataset(f"hive://meta-{tag}:9083", alias),))


def _edges(graph, tag: str) -> dict[str, set[tuple[str, str]]]:
    records, _, _ = graph.execute_query(
        "MATCH (a)-[e]->(b) WHERE type(e) IN ['READ_BY', 'WROTE', 'INPUT_TO', 'OUTPUTS'] "
        "AND (a.namespace CONTAINS $tag OR b.namespace CONTAINS $tag) "
        "RETURN type(e) AS type, coalesce(a.name, a.run_id) AS a, coalesce(b.name, b.run_id) AS b, e.run_count AS runs",
        tag=tag)
    edges: dict[str, set[tuple[str, str]]] = {}
    for r in records:
        edges.setdefault(r["type"], set()).add((r["a"], r["b"]) if r["runs"] is None else (r["a"], r["b"], r["runs"]))
    return edges


def test_run_edges_go_to_the_dataset_an_earlier_batch_made_the_name_an_alias_of(sink, graph, unique):
    tag = f"alias{unique}"
    sink.write(plan_batch([_declares(tag, "a", "s.public.orders", "db.orders", T)]))
    sink.write(plan_batch([_reads_alias(tag, "r1", "db.orders", T + 1), _reads_alias(tag, "r2", "db.orders", T + 2)]))
    edges = _edges(graph, tag)
    assert edges["READ_BY"] == {("s.public.orders", f"{tag}-r1"), ("s.public.orders", f"{tag}-r2")}
    assert edges["WROTE"] == {(f"{tag}-r1", "s.public.orders"), (f"{tag}-r2", "s.public.orders")}
    assert edges["INPUT_TO"] == {("s.public.orders", "load", 2)}
    assert edges["OUTPUTS"] == {("load", "s.public.orders", 2)}


def test_the_alias_declared_in_the_same_batch_counts_and_a_replay_adds_no_run(sink, graph, unique):
    tag = f"alias{unique}"
    batch = [_reads_alias(tag, "r1", "db.orders", T + 1), _declares(tag, "a", "s.public.orders", "db.orders", T)]
    sink.write(plan_batch(batch))
    sink.write(plan_batch(batch))  # the same events again: no new run edge, so no run counted twice
    edges = _edges(graph, tag)
    assert edges["READ_BY"] == {("s.public.orders", f"{tag}-r1")}
    assert edges["INPUT_TO"] == {("s.public.orders", "load", 1)}
    assert edges["OUTPUTS"] == {("load", "s.public.orders", 1)}


def test_a_name_that_is_an_alias_of_two_datasets_gets_an_edge_to_each(sink, graph, unique):
    tag = f"alias{unique}"
    sink.write(plan_batch([_declares(tag, "a", "s.public.orders", "db.orders", T),
                           _declares(tag, "b", "s.public.orders_v2", "db.orders", T + 1)]))
    sink.write(plan_batch([_reads_alias(tag, "r1", "db.orders", T + 2)]))
    edges = _edges(graph, tag)
    assert edges["READ_BY"] == {("s.public.orders", f"{tag}-r1"), ("s.public.orders_v2", f"{tag}-r1")}
    assert edges["INPUT_TO"] == {("s.public.orders", "load", 1), ("s.public.orders_v2", "load", 1)}
