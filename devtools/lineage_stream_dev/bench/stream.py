"""The benchmark's realistic stream (pure: no I/O): what a busy lineage topic looks like.

``stream_events(spec)`` yields run events the way a fleet of integrations sends them:

* START/COMPLETE pairs of runs; each job reads 1-3 datasets and writes 1-2, the same ones with the
  same column lineage at every run (``spec.job_io``, as scheduled jobs do); outputs carry a schema
  facet of 8-12 fields (one nested), column lineage on about a third of outputs, statistics on
  COMPLETE; JSON facets on runs, jobs and datasets (1.5-2 KB per event as Avro);
* Zipf reuse: datasets drawn from ``spec.datasets`` (default 5,000) and jobs from ``spec.jobs``
  (2,000) by a Zipf law, over several namespaces (Postgres, MySQL, S3, GCS, Kafka; Airflow, Spark,
  dbt jobs), so a few hot tables see most of the traffic, as in real estates;
* ``spec.duplicate_share`` of records are re-sends of an earlier event (same event, same ID);
* ``spec.out_of_order_share`` of events are held back and sent a few events later than their time;
* ``spec.pii_share`` of events carry PII in their SQL or in a column description (an e-mail
  address, a phone number, a card number), which the redact stage must find.

Every namespace contains ``bench-<token>``; the same spec always yields the same records.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections import deque
from dataclasses import dataclass, replace
from typing import Iterator

from lineage_stream_dev.bench.events import PRODUCER, SCHEMA_URL, namespace_token
from lineage_stream_dev.bench.events import _column_lineage, _completed, _facet, _run_facets, _schema_fields
from lineage_stream.model import (
    Dataset, EventKind, FieldLineage, Job, LineageEvent, ParentRun, Run, RunState, SchemaField,
)


@dataclass(frozen=True, slots=True)
class StreamSpec:
    records: int
    """Records in the stream, duplicates included."""
    token: str = "bench"
    seed: int = 7
    datasets: int = 5_000
    jobs: int = 2_000
    zipf_s: float = 1.0
    duplicate_share: float = 0.10
    out_of_order_share: float = 0.05
    pii_share: float = 0.30
    column_lineage_share: float = 0.33
    job_io: str = "stable"
    """``stable``: each job reads and writes the same datasets, with the same column lineage, at every
    run (drawn once per job by the same Zipf laws), as scheduled jobs do. ``per-run``: every run draws
    its datasets and column lineage afresh, so most job-level and column edges are new at every event
    (the stream before 2026-11-29: a worst case for the graph's structure, not a real estate)."""


_PII = (
    "jane.doe{n}@example.com",
    "+44 20 7946 {n:04d}",
    "4111 1111 1111 1111",
)


class _Zipf:
    """Draws 0..n-1 with probability proportional to 1 / (rank + 1) ** s (rank 0 the hottest)."""

    def __init__(self, n: int, s: float, rng: random.Random) -> None:
        weights = [1.0 / (k + 1) ** s for k in range(n)]
        self._cumulative = list(itertools.accumulate(weights))
        self._rng = rng

    def __call__(self) -> int:
        point = self._rng.random() * self._cumulative[-1]
        return min(bisect.bisect_left(self._cumulative, point), len(self._cumulative) - 1)


class _Estate:
    """The datasets and jobs of a made-up company, with stable schemas."""

    def __init__(self, spec: StreamSpec, rng: random.Random) -> None:
        marker = namespace_token(spec.token)
        stores = (f"postgres://{marker}-warehouse.internal:5432", f"mysql://{marker}-shop.internal:3306",
                  f"s3://{marker}-lake", f"gs://{marker}-archive", f"kafka://{marker}-broker.internal:9092")
        self.datasets: list[tuple[str, str]] = []
        for i in range(spec.datasets):
            namespace = stores[i % len(stores)]
            if namespace.startswith(("postgres", "mysql")):
                name = f"analytics.{('public', 'sales', 'ops')[i % 3]}.table_{i:05d}"
            elif namespace.startswith("kafka"):
                name = f"topic.events_{i:05d}"
            else:
                name = f"raw/events_{i:05d}"
            self.datasets.append((namespace, name))
        rng.shuffle(self.datasets)  # hot datasets spread over every store
        job_namespaces = (f"{marker}-airflow", f"{marker}-spark", f"{marker}-dbt")
        self.jobs = [(job_namespaces[i % 3], f"etl.load_{i:04d}") for i in range(spec.jobs)]
        rng.shuffle(self.jobs)
        self.pick_dataset = _Zipf(len(self.datasets), spec.zipf_s, rng)
        self.pick_job = _Zipf(len(self.jobs), spec.zipf_s, rng)
        self._schemas: dict[tuple[str, str], tuple[SchemaField, ...]] = {}
        self._io: dict[tuple[str, str], _JobIO] = {}
        self._rng = rng
        self._column_lineage_share = spec.column_lineage_share
        self._stable = spec.job_io == "stable"

    def job_io(self, job: tuple[str, str]) -> _JobIO:
        """The job's inputs and outputs (with their column lineage): the same every run when stable."""
        io = self._io.get(job) if self._stable else None
        if io is None:
            rng = self._rng
            sources = tuple(self.datasets[self.pick_dataset()] for _ in range(rng.randint(1, 3)))
            outputs = []
            for _ in range(rng.randint(1, 2)):
                ns, name = self.datasets[self.pick_dataset()]
                lineage = (_column_lineage(rng, self.schema(ns, name), list(sources))
                           if rng.random() < self._column_lineage_share else ())
                outputs.append((ns, name, lineage))
            io = _JobIO(sources, tuple(outputs))
            if self._stable:
                self._io[job] = io
        return io

    def schema(self, namespace: str, name: str) -> tuple[SchemaField, ...]:
        key = (namespace, name.split("/dt=")[0])
        fields = self._schemas.get(key)
        if fields is None:
            fields = self._schemas[key] = _schema_fields(random.Random(f"{key[0]}/{key[1]}"))
        return fields


@dataclass(frozen=True, slots=True)
class _JobIO:
    sources: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str, tuple[FieldLineage, ...]], ...]
    """(namespace, name, column lineage) of each output."""


def _with_pii(rng: random.Random, job: Job, outputs: tuple[Dataset, ...]) -> tuple[Job, tuple[Dataset, ...]]:
    """Put one piece of PII into the job's SQL or into a column description."""
    secret = rng.choice(_PII).format(n=rng.randint(0, 9999))
    if rng.random() < 0.5 or not outputs or not outputs[0].fields:
        sql = _facet({"query": f"SELECT * FROM customers WHERE contact = '{secret}' AND dt = current_date"})
        return replace(job, facets={**job.facets, "sql": sql}), outputs
    first = outputs[0]
    fields = first.fields or ()
    described = SchemaField(fields[0].name, fields[0].type, f"Backfilled from a ticket by {secret}.")
    return job, (replace(first, fields=(described, *fields[1:])), *outputs[1:])


def _runs(spec: StreamSpec, rng: random.Random, base_us: int) -> Iterator[LineageEvent]:
    """The events in event-time order, one millisecond apart, before duplicates and reordering."""
    estate = _Estate(spec, rng)
    previous: ParentRun | None = None
    at = base_us
    while True:
        run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        job_namespace, job_name = estate.jobs[estate.pick_job()]
        parent = previous if previous is not None and rng.random() < 0.1 else None
        job = Job(job_namespace, job_name, {"jobType": _facet({"integration": "SPARK", "jobType": "SQL_JOB",
                                                              "processingType": "BATCH"})})
        io = estate.job_io((job_namespace, job_name))
        inputs = tuple(Dataset(ns, name, facets={"dataSource": _facet({"name": ns, "uri": f"{ns}/{name}"})})
                       for ns, name in io.sources)
        outputs = []
        for ns, name, lineage in io.outputs:
            if ns.startswith(("s3", "gs")) and rng.random() < 0.5:
                name = f"{name}/dt=2025-11-{rng.randint(1, 28):02d}"  # a partition, folded by rollup
            fields = estate.schema(ns, name)
            facets = {"dataSource": _facet({"name": ns, "uri": f"{ns}/{name}"}),
                      "ownership": _facet({"owners": [{"name": "team:data-platform", "type": "MAINTAINER"}]})}
            outputs.append(Dataset(ns, name, fields=fields, column_lineage=lineage, facets=facets))
        run_outputs = tuple(outputs)
        if rng.random() < spec.pii_share:
            job, run_outputs = _with_pii(rng, job, run_outputs)
        for state in (RunState.START, RunState.COMPLETE):
            if state is RunState.COMPLETE:
                run_outputs = tuple(_completed(rng, d) for d in run_outputs)
            yield LineageEvent(
                event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), kind=EventKind.RUN,
                event_time_us=at, producer=PRODUCER, event_type=state, schema_url=SCHEMA_URL,
                run=Run(run_id, parent, _run_facets(rng, state)), job=job, inputs=inputs, outputs=run_outputs,
            )
            at += 1000
        previous = ParentRun(run_id, job_namespace, job_name)


def stream_events(spec: StreamSpec, base_us: int) -> Iterator[LineageEvent]:
    """``spec.records`` records: the runs' events with duplicates re-sent and some events late.

    Raises:
        ValueError: a negative record count, a share outside [0, 1) or an unknown ``job_io``.
    """
    if spec.records < 0:
        raise ValueError(f"cannot generate {spec.records} records")
    if spec.job_io not in ("stable", "per-run"):
        raise ValueError(f"job_io is 'stable' or 'per-run', got {spec.job_io!r}")
    for share in (spec.duplicate_share, spec.out_of_order_share, spec.pii_share):
        if not 0.0 <= share < 1.0:
            raise ValueError(f"a share must be in [0, 1), got {share}")
    rng = random.Random(f"{spec.seed}:{spec.token}:stream")
    events = _runs(spec, random.Random(f"{spec.seed}:{spec.token}"), base_us)
    recent: deque[LineageEvent] = deque(maxlen=5_000)
    held: list[tuple[int, LineageEvent]] = []  # (release after this many records, event)
    emitted = 0
    while emitted < spec.records:
        due = next((i for i, (at, _) in enumerate(held) if at <= emitted), None)
        if due is not None:
            event = held.pop(due)[1]
        elif recent and rng.random() < spec.duplicate_share:
            event = rng.choice(recent)  # a re-send: the same event again
        else:
            event = next(events)
            # late events are drawn among originals; duplicates stay about duplicate_share of all records
            if rng.random() < spec.out_of_order_share / (1.0 - spec.duplicate_share):
                held.append((emitted + rng.randint(2, 50), event))
                continue
            recent.append(event)
        emitted += 1
        yield event
