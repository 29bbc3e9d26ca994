"""The same events, written in two orders (one transaction per event, as separate batches are),
must give the same graph: "every update is order-independent and idempotent" (docs/graph-model.md).

Each scenario writes its events through the real graph write (``plan_batch`` + ``Neo4jSink``) into
two copies that differ only in a tag, once in order and once reversed, and compares the exports.
Five of the scenarios are order dependences this suite found in ``graph/cypher.py`` (fixed in
c23d98e); they stay as regression tests, beside a control that always held. The same scenarios
also run with all their events in one batch, which the plan reduces to one row per node first.
"""

from __future__ import annotations

import itertools
import random

from typing import Any, Callable

import pytest

from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.graph.plan import plan_batch
from lineage_stream.model import (
    Dataset, EventKind, FieldLineage, InputField, Job, LineageEvent, ParentRun, Run, RunState, SchemaField, Symlink,
    Transformation,
)
from lineage_stream_dev.reliability.canonical import CanonicalGraph, diff_graphs
from lineage_stream_dev.reliability.export import export_graph
from lineage_stream_dev.reliability.reference import identifier_stages, reference_graph
from lineage_stream.settings import Neo4jSettings

pytestmark = pytest.mark.integration
T = 1_735_689_600_000_000


def _run(tag: str, event_id: str, run_id: str, state: RunState, at: int, **kwargs: Any) -> LineageEvent:
    job = kwargs.pop("job", "job")
    parent = kwargs.pop("parent", None)
    return LineageEvent(f"{tag}-{event_id}", EventKind.RUN, at, "tests", state, run=Run(f"{tag}-{run_id}", parent),
                        job=job if isinstance(job, Job) else Job(f"ns-{tag}", job), **kwargs)


def _dataset_event(tag: str, event_id: str, at: int, dataset: Dataset) -> LineageEvent:
    return LineageEvent(f"{tag}-{event_id}", EventKind.DATASET, at, "tests", dataset=dataset)


def late_start(tag: str) -> list[LineageEvent]:
    return [_run(tag, "a", "r", RunState.START, T), _run(tag, "b", "r", RunState.COMPLETE, T + 10),
            _run(tag, "c", "r", RunState.RUNNING, T + 5)]


def parent_seen_after_its_end(tag: str) -> list[LineageEvent]:
    """A child run's event later than every event of its parent run (a late COMPLETE of a task)."""
    parent = ParentRun(f"{tag}-p", f"ns-{tag}", "dag")
    return [_run(tag, "p1", "p", RunState.START, T, job="dag"), _run(tag, "p2", "p", RunState.COMPLETE, T + 10, job="dag"),
            _run(tag, "c1", "c", RunState.COMPLETE, T + 20, parent=parent)]


def column_description(tag: str) -> list[LineageEvent]:
    """Two runs describe the same column edge differently."""
    def out(description: str) -> Dataset:
        source = InputField(f"postgres://db-{tag}:5432", "s.public.src", "id",
                            (Transformation("DIRECT", "IDENTITY", description),))
        return Dataset(f"postgres://db-{tag}:5432", "s.public.dst", column_lineage=(FieldLineage("id", (source,)),))
    inputs = (Dataset(f"postgres://db-{tag}:5432", "s.public.src"),)
    return [_run(tag, "a", "r1", RunState.COMPLETE, T, inputs=inputs, outputs=(out("copied as is"),)),
            _run(tag, "b", "r2", RunState.COMPLETE, T + 10, inputs=inputs, outputs=(out("copied, then trimmed"),))]


def symlink_type(tag: str) -> list[LineageEvent]:
    """Two DatasetEvents name the same alias, with another type and at another time."""
    def ds(kind: str) -> Dataset:
        return Dataset(f"postgres://db-{tag}:5432", "s.public.t", symlinks=(Symlink(f"hive://meta-{tag}:9083", "db.t", kind),))
    return [_dataset_event(tag, "a", T, ds("TABLE")), _dataset_event(tag, "b", T + 10, ds("VIEW"))]


def schema_change(tag: str) -> list[LineageEvent]:
    """A column is renamed (``amount`` at T, ``total`` from T + 10) and ``id`` is retyped."""
    def ds(id_type: str, name: str) -> Dataset:
        return Dataset(f"postgres://db-{tag}:5432", "s.public.t", (SchemaField("id", id_type), SchemaField(name, "decimal")))
    return [_dataset_event(tag, "a", T, ds("bigint", "amount")), _dataset_event(tag, "b", T + 10, ds("string", "total"))]


def schema_flip(tag: str) -> list[LineageEvent]:
    """The schema flips back: V at T, W at T + 10, V again at T + 20. V is the latest, so its types win,
    and a re-sent version that the graph already typed must not leave an older time behind."""
    def ds(id_type: str) -> Dataset:
        return Dataset(f"postgres://db-{tag}:5432", "s.public.t", (SchemaField("id", id_type), SchemaField("v", "int")))
    return [_dataset_event(tag, "a", T, ds("bigint")), _dataset_event(tag, "b", T + 10, ds("string")),
            _dataset_event(tag, "c", T + 20, ds("bigint"))]


def schema_resent(tag: str) -> list[LineageEvent]:
    """An older version comes again after a newer one (V at T, W at T + 10, V again at T + 5): its fields
    were merged once and W has all of them, so UPSERT_FIELDS skips it. ``x``, which W lacks, is typed by
    the newer of the versions that have it (Y at T + 5, not X at T + 3), whatever the order."""
    def ds(*fields: tuple[str, str]) -> Dataset:
        return Dataset(f"postgres://db-{tag}:5432", "s.public.t", tuple(SchemaField(n, t) for n, t in fields))
    return [_dataset_event(tag, "a", T, ds(("id", "bigint"), ("v", "int"))),
            _dataset_event(tag, "x", T + 3, ds(("id", "int"), ("x", "date"))),
            _dataset_event(tag, "b", T + 10, ds(("id", "string"), ("v", "int"))),
            _dataset_event(tag, "c", T + 5, ds(("id", "bigint"), ("v", "int"))),
            _dataset_event(tag, "d", T + 5, ds(("id", "bigint"), ("x", "timestamp")))]


def partition_tie(tag: str) -> list[LineageEvent]:
    """Two events at the same time write two partitions of one table."""
    return [_run(tag, "a", "r1", RunState.COMPLETE, T, outputs=(Dataset(f"s3://lake-{tag}", "events/dt=2025-01-01"),)),
            _run(tag, "b", "r2", RunState.COMPLETE, T, outputs=(Dataset(f"s3://lake-{tag}", "events/dt=2025-01-02"),))]


def facets_in_pieces(tag: str) -> list[LineageEvent]:
    """dbt's pattern: a model's run sends documentation and dataSource, its test run only a quality facet;
    a later event deletes the data source, and an older one (delivered late) must not bring it back. Job,
    run and run-edge (input facet) facets follow the same rule; two facets at one time break the tie by text."""
    ns = f"postgres://db-{tag}:5432"

    def ds(**facets: str) -> Dataset:
        return Dataset(ns, "s.public.orders", facets=facets)

    def read(**facets: str) -> Dataset:
        return Dataset(ns, "s.public.raw", io_facets=facets)

    def job(**facets: str) -> Job:
        return Job(f"ns-{tag}", "model", facets)

    return [
        _dataset_event(tag, "a", T, ds(documentation='{"description":"old"}', dataSource='{"name":"duckdb"}')),
        _run(tag, "b", "r", RunState.START, T + 10, job=job(sql='{"query":"SELECT 1"}'),
             inputs=(read(dataQualityMetrics='{"rowCount":3}'),), outputs=(ds(documentation='{"description":"new"}'),)),
        _run(tag, "c", "r", RunState.COMPLETE, T + 20, job=job(jobType='{"jobType":"MODEL"}'),
             inputs=(read(inputStatistics='{"size":9}'),), outputs=(ds(dataQualityAssertions='{"assertions":[]}'),)),
        _dataset_event(tag, "d", T + 30, ds(dataSource='{"_deleted":true}')),
        _dataset_event(tag, "e", T + 10, ds(documentation='{"description":"tie"}')),
        _run(tag, "f", "r", RunState.COMPLETE, T + 20, job=job(sql='{"_deleted":true}')),
        *(LineageEvent(f"{tag}-{name}", EventKind.JOB, at, "tests", job=Job(f"ns-{tag}", "declared"),
                       outputs=(Dataset(ns, "s.public.orders", io_facets={"outputStatistics": stats}),))
          for name, at, stats in (("g", T + 5, '{"rowCount":1}'), ("h", T + 15, '{"rowCount":2}'))),
    ]


def _identified(events: list[LineageEvent]) -> list[LineageEvent]:
    """``events`` through the identifier stages, as the worker runs them before planning."""
    prepared = []
    for event in events:
        for stage in identifier_stages():
            event = stage(event)
        prepared.append(event)
    return prepared


def _write(services: Any, events: list[LineageEvent], *, one_batch: bool = False) -> None:
    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    prepared = _identified(events)
    with Neo4jSink(settings) as sink:
        for batch in [prepared] if one_batch else [[e] for e in prepared]:
            sink.write(plan_batch(batch))


def _untag(value: Any, tag: str) -> Any:
    if isinstance(value, str):
        return value.replace(tag, "TAG")
    if isinstance(value, tuple):
        return tuple(_untag(v, tag) for v in value)
    if isinstance(value, dict):
        return {k: _untag(v, tag) for k, v in value.items()}
    return value


def _exported(graph: Any, tag: str) -> CanonicalGraph:
    exported = export_graph(graph, scope=tag)
    return CanonicalGraph({_untag(k, tag): _untag(v, tag) for k, v in exported.nodes.items()},
                          {_untag(k, tag): _untag(v, tag) for k, v in exported.edges.items()})


@pytest.mark.parametrize("scenario", [
    late_start,  # the control
    parent_seen_after_its_end,  # LINK_PARENTS set the parent run's and job's spans only ON CREATE
    column_description,  # LINK_COLUMNS kept the first description written
    symlink_type,  # LINK_SYMLINKS kept the last type written, and the alias's span only ON CREATE
    schema_change,  # UPSERT_SCHEMAS made Field/HAS_FIELD only for a schema newer than the stored one
    schema_flip,  # fields are skipped while the latest version typed them: the skip must stay exact
    schema_resent,  # an older version whose fields the latest has is skipped: the skip must stay exact
    partition_tie,  # UPSERT_DATASETS kept the first of two partitions written at one event time
    facets_in_pieces,  # facets were one JSON object, replaced as a whole by the newest event
], ids=lambda f: f.__name__)
def test_two_orders_give_one_graph(services, graph, unique, scenario: Callable[[str], list[LineageEvent]]):
    forward, backward = f"fw{unique}", f"bw{unique}"
    _write(services, scenario(forward))
    _write(services, list(reversed(scenario(backward))))
    assert diff_graphs(_exported(graph, forward), _exported(graph, backward)) == []


@pytest.mark.parametrize("scenario", [
    late_start, parent_seen_after_its_end, column_description, symlink_type, partition_tie,
    schema_change, schema_flip, schema_resent, facets_in_pieces,
], ids=lambda f: f.__name__)
def test_one_batch_in_two_orders_gives_one_graph(services, graph, unique, scenario: Callable[[str], list[LineageEvent]]):
    """The same, with all the events in one batch (one transaction, one statement per row kind)."""
    forward, backward = f"fw{unique}", f"bw{unique}"
    _write(services, scenario(forward), one_batch=True)
    _write(services, list(reversed(scenario(backward))), one_batch=True)
    assert diff_graphs(_exported(graph, forward), _exported(graph, backward)) == []


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=lambda o: "".join(map(str, o)))
def test_schema_flip_types_fields_by_the_latest_version_in_any_order(services, graph, unique, order):
    """Every arrival order of V, W, V (one batch each): ``id`` is typed by V, the latest version."""
    tag = f"flip{unique}"
    events = schema_flip(tag)
    _write(services, [events[i] for i in order])
    records, _, _ = graph.execute_query(
        "MATCH (d:Dataset)-[:HAS_FIELD]->(f:Field) WHERE d.namespace CONTAINS $tag RETURN f.name AS name, f.type AS type",
        tag=tag)
    assert {r["name"]: r["type"] for r in records} == {"id": "bigint", "v": "int"}


def _batches(events: list[LineageEvent], sizes: list[int]) -> list[list[LineageEvent]]:
    out, start = [], 0
    for size in sizes:
        out.append(events[start:start + size])
        start += size
    return out


def _write_shuffled(services, events: list[LineageEvent], seed: int) -> list[int]:
    """``events`` shuffled by ``seed``, split into batches of random sizes and written twice (the second
    time in the sizes reversed), through the identifier stages and the real graph write; the sizes."""
    settings = Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")
    rng = random.Random(seed)
    events = list(events)
    rng.shuffle(events)
    sizes, left = [], len(events)
    while left:
        sizes.append(rng.randint(1, left))
        left -= sizes[-1]
    prepared = _identified(events)
    with Neo4jSink(settings) as sink:
        for batch in _batches(prepared, sizes) + _batches(prepared, sizes[::-1]):
            sink.write(plan_batch(batch))
    return sizes


def test_facets_in_shuffled_orders_and_batch_splits_match_the_reference(services, graph, unique):
    """Three shuffles, each split into batches at random and written twice, give the reference model's graph."""
    for seed in range(3):
        tag = f"sh{seed}{unique}"
        sizes = _write_shuffled(services, facets_in_pieces(tag), seed)
        expected = reference_graph(facets_in_pieces(tag))
        dataset = expected.nodes[("Dataset", (f"postgres://db-{tag}:5432", "s.public.orders"))]
        assert dataset["facets"] == ('{"dataQualityAssertions":{"assertions":[]},'
                                     '"documentation":{"description":"tie"}}'), dataset
        assert diff_graphs(export_graph(graph, scope=tag), expected) == [], (seed, sizes)


def test_schema_versions_in_shuffled_orders_and_batch_splits_match_the_reference(services, graph, unique):
    """schema_resent shuffled and split into batches at random, written twice: the reference model's graph
    (every field typed by the latest version that has it), whichever versions UPSERT_FIELDS skipped."""
    for seed in range(4):
        tag = f"sv{seed}{unique}"
        sizes = _write_shuffled(services, schema_resent(tag), seed)
        records, _, _ = graph.execute_query(
            "MATCH (d:Dataset)-[:HAS_FIELD]->(f:Field) WHERE d.namespace CONTAINS $tag "
            "RETURN f.name AS name, f.type AS type", tag=tag)
        assert {r["name"]: r["type"] for r in records} == {"id": "string", "v": "int", "x": "timestamp"}, (seed, sizes)
        assert diff_graphs(export_graph(graph, scope=tag), reference_graph(schema_resent(tag))) == [], (seed, sizes)
