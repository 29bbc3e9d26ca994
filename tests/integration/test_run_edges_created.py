"""A run the batch's transaction creates gets its HAS_RUN, READ_BY and WROTE edges by CREATE, not MERGE.

Nothing else can hold an edge to a run that did not exist before the transaction (its MERGE holds the
run's unique-constraint lock until commit), so the edges can be created without looking for them
first. These pin the cases where a run is not new, or is named twice, so that no edge is ever doubled
and no run counted twice on a job-level edge.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from lineage_stream.graph.plan import plan_batch
from lineage_stream.model import Dataset, ParentRun, RunState
from tests.factories import run_event

pytestmark = pytest.mark.integration
T = 1_735_689_600_000_000


def _count(graph, pattern: str, **parameters) -> list[tuple]:
    records, _, _ = graph.execute_query(pattern, **parameters)
    return sorted(tuple(r.values()) for r in records)


def _event(tag: str, run: str, state: RunState, at: int, job: str = "load", parent: ParentRun | None = None):
    event = run_event(f"{tag}-{run}", state=state, at_us=at, job=(f"airflow-{tag}", job),
                      inputs=(Dataset(f"postgres://db-{tag}:5432", "s.public.src"),),
                      outputs=(Dataset(f"postgres://db-{tag}:5432", "s.public.dst"),))
    return replace(event, run=replace(event.run, parent=parent)) if parent else event


def _edges(graph, tag: str) -> list[tuple]:
    """(type, from, to, how many such edges, run_count) of the tag's edges."""
    return _count(graph, "MATCH (a)-[e]->(b) WHERE a.namespace CONTAINS $tag OR b.namespace CONTAINS $tag "
                         "OR a.run_id STARTS WITH $tag OR b.run_id STARTS WITH $tag "
                         "RETURN type(e), coalesce(a.name, a.run_id), coalesce(b.name, b.run_id), count(*), "
                         "collect(e.run_count)", tag=tag)


def test_a_run_in_two_batches_and_a_replay_keep_one_edge_of_each_and_count_the_run_once(sink, graph, unique):
    tag = f"created{unique}"
    start, complete = _event(tag, "r1", RunState.START, T), _event(tag, "r1", RunState.COMPLETE, T + 5)
    sink.write(plan_batch([start]))  # creates the run
    sink.write(plan_batch([complete]))  # the run exists: its edges are merged
    sink.write(plan_batch([start, complete]))  # a replay of both
    assert _edges(graph, tag) == [
        ("HAS_RUN", "load", f"{tag}-r1", 1, []),
        ("INPUT_TO", "s.public.src", "load", 1, [1]),
        ("OUTPUTS", "load", "s.public.dst", 1, [1]),
        ("READ_BY", "s.public.src", f"{tag}-r1", 1, []),
        ("WROTE", f"{tag}-r1", "s.public.dst", 1, []),
    ]


def test_a_run_id_two_jobs_share_in_one_new_batch_gets_one_run_edge_and_both_jobs(sink, graph, unique):
    tag = f"created{unique}"
    sink.write(plan_batch([_event(tag, "r1", RunState.START, T), _event(tag, "r1", RunState.COMPLETE, T + 1, job="copy")]))
    assert _edges(graph, tag) == [
        ("HAS_RUN", "copy", f"{tag}-r1", 1, []),
        ("HAS_RUN", "load", f"{tag}-r1", 1, []),
        ("INPUT_TO", "s.public.src", "copy", 1, [1]),
        ("INPUT_TO", "s.public.src", "load", 1, [1]),
        ("OUTPUTS", "copy", "s.public.dst", 1, [1]),
        ("OUTPUTS", "load", "s.public.dst", 1, [1]),
        ("READ_BY", "s.public.src", f"{tag}-r1", 1, []),
        ("WROTE", f"{tag}-r1", "s.public.dst", 1, []),
    ]


@pytest.mark.parametrize("together", [True, False], ids=["same batch", "parent first named by its child"])
def test_a_parent_run_named_by_its_child_has_one_has_run_edge(sink, graph, unique, together):
    tag = f"created{unique}"
    parent = _event(tag, "p", RunState.COMPLETE, T, job="dag")
    child = _event(tag, "c", RunState.COMPLETE, T + 1, parent=ParentRun(f"{tag}-p", f"airflow-{tag}", "dag"))
    if together:
        sink.write(plan_batch([child, parent]))
    else:
        sink.write(plan_batch([child]))  # the parent run is made here, by LINK_PARENTS, with its job
        sink.write(plan_batch([parent]))
    has_run = [edge for edge in _edges(graph, tag) if edge[0] == "HAS_RUN"]
    assert has_run == [("HAS_RUN", "dag", f"{tag}-p", 1, []), ("HAS_RUN", "load", f"{tag}-c", 1, [])]
