"""Deterministic streams of valid lineage events, and the order they are delivered in.

``generate_events(StreamSpec(events=20_000, seed=7, tag="t1a2"))`` returns exactly that many
events, the same ones for the same spec: runs of DAG tasks (with parent runs) and of standalone
jobs going START → RUNNING → COMPLETE / FAIL / ABORT (some never finish, a few report OTHER),
inputs and outputs spelled several ways (``postgresql://DB-…`` and ``postgres://db-…:5432``),
hourly partitions that roll up into their table, schema fields (nested ones too) that change once
for some datasets (a field added or dropped from a moment on), column lineage with
transformations, facets that change from event to event (some carrying PII the redact stage
scrubs), DatasetEvents with symlinks (the same alias re-declared, its type changing) and JobEvents.
Every event ID is unique, every event time is unique, and every identifier carries ``tag`` so a test
can scope its export of a shared Neo4j.

``plan_delivery`` then turns the events into a send order with re-sends (the same event, same ID)
and bounded out-of-order delivery, so a run's COMPLETE can reach Kafka before its START.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Sequence

from lineage_stream.model import (
    Dataset, EventKind, FieldLineage, InputField, Job, LineageEvent, ParentRun, Run, RunState, SchemaField, Symlink,
    Transformation,
)

BASE_US = 1_735_689_600_000_000
"""2025-01-01T00:00:00Z: event times start here, safely in the past for the future-time check."""
PRODUCER = "https://github.com/lineage-stream/lineage-stream/tree/main/devtools/lineage_stream_dev/reliability"
_FIELD_POOL: tuple[tuple[str, str], ...] = (
    ("id", "bigint"), ("customer_id", "bigint"), ("amount", "decimal(12,2)"), ("currency", "string"),
    ("created_at", "timestamp"), ("status", "string"), ("country", "string"), ("email", "string"),
)
_TRANSFORMS = (("DIRECT", "IDENTITY"), ("DIRECT", "TRANSFORMATION"), ("DIRECT", "AGGREGATION"),
               ("INDIRECT", "FILTER"), ("INDIRECT", "JOIN"), ("INDIRECT", None))


def facet_text(value: Any) -> str:
    """A facet's JSON text, written the way the OpenLineage decoder writes it (compact, key-sorted)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _facet(**members: Any) -> str:
    return facet_text({"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/x.json", **members})


@dataclass(frozen=True, slots=True)
class StreamSpec:
    events: int
    seed: int = 0
    tag: str = "rel"
    """Lower-case letters and digits; part of every namespace, job namespace, run ID and event ID."""
    base_us: int = BASE_US
    datasets: int = 60
    jobs: int = 24


@dataclass(frozen=True, slots=True)
class _DatasetDef:
    spellings: tuple[tuple[str, str], ...]
    fields: tuple[SchemaField, ...]
    partitioned: bool
    later_fields: tuple[SchemaField, ...] | None = None
    """The schema from ``changes_at_us`` on, for datasets whose schema changes."""
    changes_at_us: int = 0

    def fields_at(self, at: int) -> tuple[SchemaField, ...]:
        return self.later_fields if self.later_fields is not None and at >= self.changes_at_us else self.fields


@dataclass(frozen=True, slots=True)
class _JobDef:
    namespace: str
    name: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(slots=True)
class _Builder:
    spec: StreamSpec
    rng: random.Random
    datasets: list[_DatasetDef] = field(default_factory=list)
    events: list[LineageEvent] = field(default_factory=list)
    used_times: set[int] = field(default_factory=set)
    serial: int = 0

    def next_id(self, what: str) -> str:
        self.serial += 1
        return f"{self.spec.tag}-{what}{self.serial:07d}-{self.rng.getrandbits(32):08x}"

    def time(self, at: int) -> int:
        while at in self.used_times:
            at += 1
        self.used_times.add(at)
        return at


def _make_datasets(b: _Builder) -> None:
    tag, tag_upper = b.spec.tag, b.spec.tag.upper()
    for i in range(b.spec.datasets):
        kind = i % 4
        spellings: tuple[tuple[str, str], ...]
        if kind == 0:
            spellings = ((f"postgres://db-{tag}.internal:5432", f"shop.public.orders_{i}"),
                         (f"postgresql://DB-{tag_upper}.internal", f"shop.public.orders_{i}"))
        elif kind == 1:
            spellings = ((f"s3://lake-{tag}", f"raw/events_{i}"), (f"s3a://lake-{tag}/", f"raw/events_{i}"))
        elif kind == 2:
            spellings = ((f"snowflake://acct{tag}", f"ANALYTICS.MART.T_{i}"),
                         (f"snowflake://ACCT{tag_upper}", f"analytics.mart.t_{i}"))
        else:
            spellings = ((f"kafka://broker-{tag}:9092", f"topic_{i}"),)
        names = b.rng.sample(_FIELD_POOL, b.rng.randint(2, 5))
        fields = [SchemaField(n, t, f"the {n}" if b.rng.random() < 0.5 else None) for n, t in names]
        if b.rng.random() < 0.3:
            fields.append(SchemaField("address", "struct", None, (SchemaField("city", "string"), SchemaField("zip", "string"))))
        later: list[SchemaField] | None = None
        change = b.rng.random()
        if change < 0.15:
            later = [*fields, SchemaField("updated_at", "timestamp", "when the row last changed")]
        elif change < 0.3 and len(fields) > 2:
            later = fields[:-1]
        # No field is retyped: two versions that type one field differently, in one batch, do not
        # merge order-independently yet (test_reliability_order.py, schema_change in one batch).
        changes_at = b.spec.base_us + int(b.rng.uniform(0.2, 0.8) * b.spec.events * 10_000)
        b.datasets.append(_DatasetDef(spellings, tuple(fields), kind == 1, tuple(later) if later else None, changes_at))


def _make_jobs(b: _Builder) -> tuple[list[tuple[_JobDef, list[_JobDef]]], list[_JobDef], list[_JobDef]]:
    tag, n = b.spec.tag, b.spec.datasets

    def job(namespace: str, name: str) -> _JobDef:
        picked = b.rng.sample(range(n), b.rng.randint(2, 5))
        cut = b.rng.randint(1, min(3, len(picked) - 1))
        return _JobDef(namespace, name, tuple(picked[:cut]), tuple(picked[cut:cut + 2]))

    dags = []
    for d in range(max(1, b.spec.jobs // 8)):
        tasks = [job(f"airflow-{tag}", f"dag_{d}.task_{k}") for k in range(b.rng.randint(2, 4))]
        dags.append((_JobDef(f"airflow-{tag}", f"dag_{d}", (), ()), tasks))
    standalone = [job(f"spark-{tag}", f"etl_{j}") for j in range(b.spec.jobs)]
    declared = [job(f"dbt-{tag}", f"model_{j}") for j in range(max(1, b.spec.jobs // 6))]
    return dags, standalone, declared


def _name_at(definition: _DatasetDef, spelling: tuple[str, str], at: int) -> str:
    if not definition.partitioned:
        return spelling[1]
    moment = datetime.fromtimestamp(at / 1e6, tz=timezone.utc)
    return f"{spelling[1]}/dt={moment:%Y-%m-%d}/hr={moment:%H}"


def _lineage(b: _Builder, job: _JobDef, out: int, sources: dict[int, tuple[str, str]], at: int
             ) -> tuple[FieldLineage, ...]:
    """Column lineage of output ``out``: a function of (seed, job, dataset, field) and of the schemas
    at ``at`` (descriptions mention the schema's version, so they change when it does)."""
    lineage = []
    version = "v2" if at >= b.datasets[out].changes_at_us and b.datasets[out].later_fields else "v1"
    for out_field in b.datasets[out].fields_at(at):
        rng = random.Random(f"{b.spec.seed}:{job.name}:{out}:{out_field.name}")
        inputs = []
        for source in rng.sample(sorted(sources), min(len(sources), rng.randint(1, 2))):
            in_field = rng.choice(b.datasets[source].fields_at(at)).name
            transformations = tuple(
                Transformation(kind, subtype, f"{(subtype or kind).lower()} of {in_field} ({version})"
                               if rng.random() < 0.6 else None,
                               masking=rng.random() < 0.1)
                for kind, subtype in rng.sample(_TRANSFORMS, rng.randint(0, 2)))
            namespace, name = sources[source]
            inputs.append(InputField(namespace, name, in_field, transformations))
        lineage.append(FieldLineage(out_field.name, tuple(inputs)))
    return tuple(lineage)


def _run_event(b: _Builder, job: _JobDef, run: Run, state: RunState, at: int, *, first: bool) -> LineageEvent:
    rng = b.rng
    sources: dict[int, tuple[str, str]] = {}
    inputs = []
    for idx in job.inputs:
        definition = b.datasets[idx]
        spelling = rng.choice(definition.spellings)
        sources[idx] = (spelling[0], _name_at(definition, spelling, at))
        io = ({"dataQualityMetrics": _facet(rowCount=rng.randint(0, 10**6))}
              if state is RunState.START and rng.random() < 0.3 else {})
        with_fields = state is RunState.START and rng.random() < 0.5
        inputs.append(Dataset(spelling[0], sources[idx][1], definition.fields_at(at) if with_fields else None,
                              io_facets=io))
    outputs = []
    if state in (RunState.START, RunState.COMPLETE):
        for idx in job.outputs:
            definition = b.datasets[idx]
            spelling = rng.choice(definition.spellings)
            complete = state is RunState.COMPLETE
            described = complete and rng.random() < 0.3
            outputs.append(Dataset(
                spelling[0], _name_at(definition, spelling, at), definition.fields_at(at) if complete else None,
                column_lineage=_lineage(b, job, idx, sources, at) if complete else (),
                facets={"dataSource": _facet(name=spelling[0], uri=f"{spelling[0]}/{spelling[1]}")} if described else {},
                io_facets={"outputStatistics": _facet(rowCount=rng.randint(0, 10**6), size=rng.randint(0, 10**9))}
                if described else {},
            ))
    run_facets: dict[str, str] = {}
    if first and rng.random() < 0.4:
        run_facets["nominalTime"] = _facet(nominalStartTime=_iso(at))
    if state is RunState.FAIL:
        run_facets["errorMessage"] = _facet(message=f"failed; page oncall-{rng.randint(1, 9)}@example.com",
                                            programmingLanguage="python")
    job_facets = {"documentation": _facet(description=f"revision {rng.randint(1, 99)}")} if rng.random() < 0.1 else {}
    return LineageEvent(
        event_id=b.next_id("e"), kind=EventKind.RUN, event_time_us=b.time(at), producer=PRODUCER, event_type=state,
        run=Run(run.run_id, run.parent, run_facets), job=Job(job.namespace, job.name, job_facets),
        inputs=tuple(inputs), outputs=tuple(outputs),
    )


def _iso(at: int) -> str:
    return datetime.fromtimestamp(at / 1e6, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _states(rng: random.Random) -> list[RunState]:
    states = [RunState.START] + [RunState.RUNNING] * rng.randint(0, 2)
    if rng.random() < 0.03:
        states.insert(rng.randint(1, len(states)), RunState.OTHER)
    ending = rng.choices([RunState.COMPLETE, RunState.FAIL, RunState.ABORT, None], weights=[75, 13, 6, 6])[0]
    return states + ([ending] if ending is not None else [])


def _run(b: _Builder, job: _JobDef, start: int, parent: ParentRun | None = None, *, finish: bool = False) -> int:
    """Append the events of one run from ``start``; returns the time of its last event."""
    run = Run(b.next_id("r"), parent)
    states = _states(b.rng)
    if finish and states[-1] not in (RunState.COMPLETE, RunState.FAIL, RunState.ABORT):
        states.append(RunState.COMPLETE)
    at = start
    for index, state in enumerate(states):
        event = _run_event(b, job, run, state, at, first=index == 0)
        b.events.append(event)
        at = event.event_time_us + b.rng.randint(1_000, 20_000)
    return b.events[-1].event_time_us


def _dag_run(b: _Builder, dag: _JobDef, tasks: Sequence[_JobDef], start: int) -> None:
    parent = Run(b.next_id("r"))
    facets = {"nominalTime": _facet(nominalStartTime=_iso(start))}
    first = LineageEvent(b.next_id("e"), EventKind.RUN, b.time(start), PRODUCER, RunState.START,
                         run=Run(parent.run_id, None, facets), job=Job(dag.namespace, dag.name))
    b.events.append(first)
    link = ParentRun(parent.run_id, dag.namespace, dag.name)
    end = first.event_time_us
    for task in tasks:
        end = max(end, _run(b, task, first.event_time_us + b.rng.randint(1_000, 30_000), link, finish=True))
    state = b.rng.choices([RunState.COMPLETE, RunState.FAIL], weights=[85, 15])[0]
    b.events.append(LineageEvent(b.next_id("e"), EventKind.RUN, b.time(end + b.rng.randint(1_000, 5_000)), PRODUCER,
                                 state, run=Run(parent.run_id), job=Job(dag.namespace, dag.name)))


def _dataset_event(b: _Builder, at: int) -> None:
    idx = b.rng.randrange(len(b.datasets))
    definition = b.datasets[idx]
    spelling = b.rng.choice(definition.spellings)
    alias = Symlink(f"hive://metastore-{b.spec.tag}:9083", f"alias_db.table_{idx}", b.rng.choice(["TABLE", "VIEW"]))
    owner = f"owner{b.rng.randint(1, 50)}@example.com"
    dataset = Dataset(spelling[0], _name_at(definition, spelling, at), definition.fields_at(at), symlinks=(alias,),
                      facets={"ownership": _facet(owners=[{"name": f"user:{owner}", "type": "MAINTAINER"}])})
    b.events.append(LineageEvent(b.next_id("e"), EventKind.DATASET, b.time(at), PRODUCER, dataset=dataset))


def _job_event(b: _Builder, job: _JobDef, at: int) -> None:
    def ds(idx: int) -> Dataset:
        definition = b.datasets[idx]
        spelling = b.rng.choice(definition.spellings)
        return Dataset(spelling[0], _name_at(definition, spelling, at))

    facets = {"jobType": _facet(processingType="BATCH", integration="DBT", jobType="MODEL"),
              "documentation": _facet(description=f"model revision {b.rng.randint(1, 99)}")}
    b.events.append(LineageEvent(b.next_id("e"), EventKind.JOB, b.time(at), PRODUCER,
                                 job=Job(job.namespace, job.name, facets),
                                 inputs=tuple(ds(i) for i in job.inputs), outputs=tuple(ds(i) for i in job.outputs)))


def generate_events(spec: StreamSpec) -> list[LineageEvent]:
    """Exactly ``spec.events`` valid events, sorted by event time; the same for the same spec."""
    if not spec.tag.isalnum() or spec.tag.lower() != spec.tag:
        raise ValueError(f"tag must be lower-case letters and digits, got {spec.tag!r}")
    b = _Builder(spec, random.Random(spec.seed))
    _make_datasets(b)
    dags, standalone, declared = _make_jobs(b)
    largest_unit = max(2 + 5 * len(tasks) for _, tasks in dags) + 5
    unit = 0
    while len(b.events) < spec.events:
        start = spec.base_us + unit * 40_000 + b.rng.randrange(40_000)
        unit += 1
        if spec.events - len(b.events) <= largest_unit:
            if b.rng.random() < 0.7:
                _dataset_event(b, start)
            else:
                _job_event(b, b.rng.choice(declared + standalone), start)
            continue
        kind = b.rng.choices(["run", "dag", "dataset", "job"], weights=[60, 18, 12, 10])[0]
        if kind == "run":
            _run(b, b.rng.choice(standalone), start)
        elif kind == "dag":
            dag, tasks = b.rng.choice(dags)
            _dag_run(b, dag, tasks, start)
        elif kind == "dataset":
            _dataset_event(b, start)
        else:
            _job_event(b, b.rng.choice(declared + standalone), start)
    return sorted(b.events, key=lambda e: e.event_time_us)


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    events: tuple[LineageEvent, ...]
    """In send order, re-sent copies included."""
    resent: int
    swaps: int
    inverted_runs: int
    """Runs whose terminal event is sent before their START."""


def plan_delivery(events: Sequence[LineageEvent], *, seed: int = 0, resend: float = 0.0, reorder: float = 0.0,
                  max_distance: int = 32, resend_distance: int = 2_000) -> DeliveryPlan:
    """Re-send ``resend`` of the events (a copy, up to ``resend_distance`` positions later) and swap
    ``reorder`` of the positions with one at most ``max_distance`` further on."""
    rng = random.Random(f"delivery:{seed}")
    keyed: list[tuple[float, LineageEvent]] = [(float(i), e) for i, e in enumerate(events)]
    resent = rng.sample(range(len(events)), round(resend * len(events)))
    keyed += [(i + rng.randint(1, resend_distance) + 0.5, events[i]) for i in resent]
    order = [e for _, e in sorted(keyed, key=lambda pair: pair[0])]
    swaps = round(reorder * len(order))
    for i in rng.sample(range(len(order)), swaps):
        j = min(len(order) - 1, i + rng.randint(1, max_distance))
        order[i], order[j] = order[j], order[i]
    return DeliveryPlan(tuple(order), len(resent), swaps, count_inverted_runs(order))


def count_inverted_runs(order: Sequence[LineageEvent]) -> int:
    """Runs whose first-sent terminal event precedes their first-sent START."""
    first_start: dict[str, int] = {}
    first_end: dict[str, int] = {}
    for position, event in enumerate(order):
        if event.run is None or event.event_type is None:
            continue
        if event.event_type is RunState.START:
            first_start.setdefault(event.run.run_id, position)
        elif event.event_type in (RunState.COMPLETE, RunState.FAIL, RunState.ABORT):
            first_end.setdefault(event.run.run_id, position)
    return sum(1 for run_id, end in first_end.items() if end < first_start.get(run_id, -1))
