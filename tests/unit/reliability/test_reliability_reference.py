"""The reference model: the documented semantics, independent of order and of duplicates."""

from __future__ import annotations

import random

import pytest

from lineage_stream.model import (
    Dataset, EventKind, FieldLineage, InputField, Job, LineageEvent, ParentRun, Run, RunState, SchemaField, Symlink,
    Transformation,
)
from lineage_stream_dev.reliability.canonical import CanonicalGraph, diff_graphs
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events, plan_delivery
from lineage_stream_dev.reliability.reference import ReferenceModel, reference_graph

T = 1_735_689_600_000_000
PG = "postgres://db.internal:5432"


@pytest.fixture(scope="module")
def events():
    return generate_events(StreamSpec(events=1_500, seed=8, tag="ref1"))


def run(event_id: str, run_id: str, state: RunState, at: int, *, job: str = "job", inputs=(), outputs=(),
        parent: ParentRun | None = None, facets=None) -> LineageEvent:
    return LineageEvent(event_id, EventKind.RUN, at, "tests", state, run=Run(run_id, parent, facets or {}),
                        job=Job("ns", job), inputs=tuple(inputs), outputs=tuple(outputs))


def node(graph: CanonicalGraph, label: str, *identity: object) -> dict:
    return graph.nodes[(label, tuple(identity))]


def edge(graph: CanonicalGraph, kind: str, start: tuple, end: tuple, discriminator: tuple = ()) -> dict:
    return graph.edges[(kind, start, end, discriminator)]


def test_order_and_resends_do_not_change_the_reference(events):
    expected = reference_graph(events)
    shuffled = list(events)
    random.Random(1).shuffle(shuffled)
    assert diff_graphs(expected, reference_graph(shuffled)) == []
    plan = plan_delivery(events, seed=2, resend=0.3, reorder=0.2, max_distance=100)
    model = ReferenceModel().add_all(plan.events)
    assert model.duplicates == plan.resent
    assert diff_graphs(expected, model.graph()) == []
    assert not expected.duplicate_edges


def test_state_and_spans_never_move_backwards(events):
    shuffled = list(events)
    random.Random(5).shuffle(shuffled)
    model = ReferenceModel()
    before: CanonicalGraph | None = None
    for i, event in enumerate(shuffled):
        model.add(event)
        if i % 50 and i != len(shuffled) - 1:
            continue
        after = model.graph()
        if before is not None:
            assert before.nodes.keys() <= after.nodes.keys() and before.edges.keys() <= after.edges.keys()
            for key, old in before.nodes.items():
                new = after.nodes[key]
                if "first_seen_us" in old:
                    assert new["first_seen_us"] <= old["first_seen_us"] <= old["last_seen_us"] <= new["last_seen_us"]
                if key[0] == "Run" and old["state"] is not None:
                    assert (new["state_rank"], new["state_at_us"]) >= (old["state_rank"], old["state_at_us"])
            for key, old in before.edges.items():
                if "run_count" in old:
                    assert after.edges[key]["run_count"] >= old["run_count"]
        before = after


def test_a_late_start_never_reopens_a_finished_run():
    graph = reference_graph([run("e2", "r1", RunState.COMPLETE, T + 10), run("e1", "r1", RunState.START, T),
                             run("e3", "r1", RunState.RUNNING, T + 20)])
    assert node(graph, "Run", "r1") | {} == {
        "first_seen_us": T, "last_seen_us": T + 20, "state": "COMPLETE", "state_rank": 3, "state_at_us": T + 10,
        "started_at_us": T, "ended_at_us": T + 10, "facets": None, "facet_times": None}


def test_run_count_counts_runs_not_events_and_job_events_add_no_run():
    source = Dataset(PG, "shop.public.orders")
    events = [run(f"e{i}", f"r{i // 2}", state, T + i, inputs=[source])
              for i, state in enumerate([RunState.START, RunState.COMPLETE] * 3)]
    events.append(LineageEvent("j1", EventKind.JOB, T + 100, "tests", job=Job("ns", "other"), inputs=(source,)))
    graph = reference_graph(events)
    dataset = ("Dataset", (PG, "shop.public.orders"))
    assert edge(graph, "INPUT_TO", dataset, ("Job", ("ns", "job"))) == {
        "run_count": 3, "first_seen_us": T, "last_seen_us": T + 5, "facets": None, "facet_times": None}
    assert edge(graph, "INPUT_TO", dataset, ("Job", ("ns", "other")))["run_count"] == 0
    assert edge(graph, "READ_BY", dataset, ("Run", ("r1",))) == {"first_seen_us": T + 2, "last_seen_us": T + 3,
                                                                  "facets": None, "facet_times": None}


def test_identifiers_are_canonical_and_partitions_roll_up():
    events = [run("e1", "r1", RunState.START, T, outputs=[Dataset("s3a://lake/", "events/dt=2025-01-01/hr=03")]),
              run("e2", "r1", RunState.COMPLETE, T + 5, outputs=[Dataset("s3://lake", "events/dt=2025-01-01/hr=02")]),
              run("e3", "r2", RunState.START, T + 9, inputs=[Dataset("postgresql://DB.internal", "shop.public.orders")])]
    graph = reference_graph(events)
    lake = node(graph, "Dataset", "s3://lake", "events")
    assert lake["last_partition"] == "dt=2025-01-01/hr=02" and lake["last_partition_at_us"] == T + 5
    assert lake["raw_identifiers"] == ("s3://lake|events", "s3a://lake/|events")  # partitions fold in raw names too
    assert lake["naming_rule"] == "s3"
    assert node(graph, "Dataset", PG, "shop.public.orders")["raw_identifiers"] == (
        "postgresql://DB.internal|shop.public.orders",)


def test_parents_schema_lineage_symlinks_and_facets():
    parent = ParentRun("p1", "ns", "dag")
    fields = (SchemaField("id", "bigint"), SchemaField("address", "struct", None, (SchemaField("city", "string"),)))
    target = Dataset(PG, "shop.public.target", fields, column_lineage=(
        FieldLineage("id", (InputField(PG, "shop.public.source", "id", (Transformation("DIRECT", "IDENTITY", "copy"),)),
                            InputField(PG, "shop.public.source", "key"))),),
        symlinks=(Symlink("hive://metastore:9083", "db.target", "TABLE"),),
        facets={"documentation": '{"description": "old"}'})
    newer = Dataset(PG, "shop.public.target", fields, facets={"documentation": '{"description": "new"}'})
    graph = reference_graph([
        run("p-start", "p1", RunState.START, T, job="dag"),
        run("c1", "c1", RunState.COMPLETE, T + 5, parent=parent, inputs=[Dataset(PG, "shop.public.source")],
            outputs=[target]),
        run("c2", "c2", RunState.COMPLETE, T + 7, outputs=[newer]),
        run("p-end", "p1", RunState.FAIL, T + 9, job="dag"),
    ])
    assert ("CHILD_OF", ("Run", ("c1",)), ("Run", ("p1",)), ()) in graph.edges
    assert ("CHILD_OF", ("Job", ("ns", "job")), ("Job", ("ns", "dag")), ()) in graph.edges
    assert node(graph, "Run", "p1")["state"] == "FAIL"
    ds = node(graph, "Dataset", PG, "shop.public.target")
    assert ds["field_names"] == ("id", "address", "address.city") and ds["schema_at_us"] == T + 7
    assert ds["facets"] == '{"documentation":{"description":"new"}}' and ds["facet_times"] == (("documentation", T + 7),)
    assert node(graph, "Field", PG, "shop.public.target", "address.city") == {"type": "string", "description": None}
    assert node(graph, "Field", PG, "shop.public.source", "key") == {"type": None, "description": None}
    source, out = ("Field", (PG, "shop.public.source", "id")), ("Field", (PG, "shop.public.target", "id"))
    assert edge(graph, "FLOWS_TO", source, out, ("DIRECT", "IDENTITY"))["description"] == "copy"
    assert edge(graph, "FLOWS_TO", ("Field", (PG, "shop.public.source", "key")), out, ("", ""))["masking"] is False
    alias = ("Dataset", ("hive://metastore:9083", "db.target"))
    assert edge(graph, "ALIAS_OF", alias, ("Dataset", (PG, "shop.public.target")), ()) == {"type": "TABLE"}
    retyped = reference_graph([
        LineageEvent("d1", EventKind.DATASET, T + 9, "tests", dataset=Dataset(PG, "shop.public.target", symlinks=(
            Symlink("hive://metastore:9083", "db.target", "VIEW"),))),
        LineageEvent("d2", EventKind.DATASET, T, "tests", dataset=Dataset(PG, "shop.public.target", symlinks=(
            Symlink("hive://metastore:9083", "db.target", "TABLE"),)))])
    assert edge(retyped, "ALIAS_OF", alias, ("Dataset", (PG, "shop.public.target")), ()) == {"type": "VIEW"}
    assert graph.nodes[alias]["raw_identifiers"] is None and graph.nodes[alias]["first_seen_us"] == T + 5
    versions = [key for key in graph.nodes if key[0] == "SchemaVersion"]
    assert len(versions) == 1 and graph.nodes[versions[0]] == {"first_seen_us": T + 5, "last_seen_us": T + 7}


def test_rejected_events_are_reported_not_applied():
    model = ReferenceModel().add_all([run("bad", "r1", RunState.START, T, inputs=[Dataset(PG, "x\x07y")]),
                                      run("ok", "r2", RunState.START, T)])
    assert set(model.rejected) == {"bad"} and set(model.applied) == {"ok"}


def test_diff_names_every_kind_of_difference():
    expected = reference_graph([run("e1", "r1", RunState.START, T, inputs=[Dataset(PG, "a.b.c")])])
    actual = reference_graph([run("e1", "r1", RunState.COMPLETE, T, inputs=[Dataset(PG, "a.b.d")])])
    actual.add_edge(next(iter(actual.edges)), {})
    problems = "\n".join(diff_graphs(expected, actual))
    for fragment in ("missing node", "unexpected node", ".state: expected 'START', found 'COMPLETE'",
                     "missing edge", "unexpected edge", "duplicate edge"):
        assert fragment in problems


def test_schema_history_keeps_every_field_typed_by_the_latest_version_that_has_it():
    def ds(*fields: SchemaField) -> Dataset:
        return Dataset(PG, "shop.public.t", tuple(fields))
    late = LineageEvent("b", EventKind.DATASET, T + 10, "tests",
                        dataset=ds(SchemaField("id", "string", "widened"), SchemaField("total", "decimal")))
    early = LineageEvent("a", EventKind.DATASET, T, "tests",
                         dataset=ds(SchemaField("id", "bigint"), SchemaField("amount", "decimal")))
    graph = reference_graph([late, early])
    assert node(graph, "Dataset", PG, "shop.public.t")["field_names"] == ("id", "total")
    assert node(graph, "Field", PG, "shop.public.t", "id") == {"type": "string", "description": "widened"}
    assert node(graph, "Field", PG, "shop.public.t", "amount") == {"type": "decimal", "description": None}
    dataset = ("Dataset", (PG, "shop.public.t"))
    assert {key[2][1][2] for key in graph.edges if key[0] == "HAS_FIELD" and key[1] == dataset} == {"id", "amount", "total"}
    assert sum(1 for key in graph.edges if key[0] == "HAS_SCHEMA_VERSION") == 2
