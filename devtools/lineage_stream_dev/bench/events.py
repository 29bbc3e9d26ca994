"""Deterministic, realistic lineage events for the benchmarks (pure: no I/O; the clock only where asked).

Each run emits a START and a COMPLETE event, as real integrations do. A run event reads 1-3
datasets and writes 1-2; outputs carry a schema facet of about ten fields (one nested), some
carry column lineage, COMPLETE events carry output statistics, and run/job/dataset facets hold
the kind of JSON integrations send (nominal time, engine, SQL, data source, ownership).
Some object-store outputs are partition paths (``.../dt=2025-11-20``) so the rollup stage works.

Every namespace contains ``bench-<token>`` so that what a benchmark wrote can be found and
deleted afterwards; the same ``(n, seed, token)`` always yields the same events.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import replace
from typing import Any

from lineage_stream.model import (
    Dataset,
    EventKind,
    FieldLineage,
    InputField,
    Job,
    LineageEvent,
    ParentRun,
    Run,
    RunState,
    SchemaField,
    Transformation,
)

BASE_US = 1_763_600_000_000_000
"""2025-11-20T00:00:00Z, in microseconds."""

PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.40.0/integration/spark"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

_COLUMN_TYPES = ("bigint", "varchar", "timestamp", "decimal(18,2)", "boolean", "date", "double", "int")
_COLUMN_WORDS = ("id", "customer_id", "order_id", "amount", "currency", "status", "created_at", "updated_at",
                 "country", "channel", "sku", "quantity", "discount", "is_test", "region", "campaign")


def namespace_token(token: str) -> str:
    """The marker every namespace of a benchmark's events contains."""
    return f"bench-{token}"


def _facet(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


class _World:
    """The datasets and jobs a benchmark's runs draw from."""

    def __init__(self, rng: random.Random, token: str, n_runs: int) -> None:
        marker = namespace_token(token)
        self.job_namespace = marker
        self.warehouse = f"postgres://{marker}-db.internal:5432"
        self.lake = f"s3://{marker}-lake"
        n_tables = max(8, n_runs // 4)
        self.tables = [f"analytics.public.table_{i:05d}" for i in range(n_tables)]
        self.paths = [f"raw/events_{i:05d}" for i in range(max(4, n_tables // 2))]
        self.jobs = [f"etl.load_{i:04d}" for i in range(max(4, n_runs // 10))]
        self.rng = rng
        self._schemas: dict[tuple[str, str], tuple[SchemaField, ...]] = {}

    def schema(self, namespace: str, name: str) -> tuple[SchemaField, ...]:
        """The dataset's schema facet: stable per dataset, as a real table's is."""
        key = (namespace, name.split("/dt=")[0])
        fields = self._schemas.get(key)
        if fields is None:
            fields = self._schemas[key] = _schema_fields(random.Random(f"{key[0]}/{key[1]}"))
        return fields

    def source(self) -> tuple[str, str]:
        if self.rng.random() < 0.6:
            return self.warehouse, self.rng.choice(self.tables)
        return self.lake, self.rng.choice(self.paths)

    def sink(self) -> tuple[str, str]:
        if self.rng.random() < 0.7:
            return self.warehouse, self.rng.choice(self.tables)
        path = self.rng.choice(self.paths)
        if self.rng.random() < 0.5:  # a daily partition, folded by the rollup stage
            path = f"{path}/dt=2025-11-{self.rng.randint(1, 28):02d}"
        return self.lake, path


def _schema_fields(rng: random.Random) -> tuple[SchemaField, ...]:
    count = rng.randint(8, 12)
    names = rng.sample(_COLUMN_WORDS, count)
    fields = [SchemaField(name, rng.choice(_COLUMN_TYPES), f"The {name.replace('_', ' ')}.") for name in names[:-1]]
    nested = (SchemaField("source", "varchar"), SchemaField("ingested_at", "timestamp"))
    fields.append(SchemaField(names[-1], "struct", None, nested))
    return tuple(fields)


def _column_lineage(rng: random.Random, fields: tuple[SchemaField, ...],
                    inputs: list[tuple[str, str]]) -> tuple[FieldLineage, ...]:
    lineage = []
    for output in rng.sample(fields, min(3, len(fields))):
        namespace, name = rng.choice(inputs)
        transformation = Transformation("DIRECT", rng.choice(("IDENTITY", "TRANSFORMATION", "AGGREGATION")))
        lineage.append(FieldLineage(output.name, (InputField(namespace, name, output.name, (transformation,)),)))
    return tuple(lineage)


def _job_facets(rng: random.Random, job: str) -> dict[str, str]:
    facets = {"jobType": _facet({"integration": "SPARK", "jobType": "SQL_JOB", "processingType": "BATCH"})}
    if rng.random() < 0.5:
        facets["sql"] = _facet({"query": f"INSERT INTO {job} SELECT * FROM staging WHERE dt = current_date"})
    return facets


def _run_facets(rng: random.Random, state: RunState) -> dict[str, str]:
    if state is RunState.START:
        return {
            "nominalTime": _facet({"nominalStartTime": f"2025-11-20T{rng.randint(0, 23):02d}:00:00Z"}),
            "processing_engine": _facet({"name": "spark", "version": "3.5.1", "openlineageAdapterVersion": "1.40.0"}),
        }
    return {"spark_properties": _facet({"properties": {"spark.app.name": "nightly", "spark.master": "yarn"}})}


def _input(namespace: str, name: str) -> Dataset:
    return Dataset(namespace, name, facets={"dataSource": _facet({"name": namespace, "uri": f"{namespace}/{name}"})})


def _output(world: _World, namespace: str, name: str, inputs: list[tuple[str, str]]) -> Dataset:
    fields = world.schema(namespace, name)
    facets = {
        "dataSource": _facet({"name": namespace, "uri": f"{namespace}/{name}"}),
        "ownership": _facet({"owners": [{"name": "team:data-platform", "type": "MAINTAINER"}]}),
    }
    lineage = _column_lineage(world.rng, fields, inputs) if world.rng.random() < 0.3 else ()
    return Dataset(namespace, name, fields=fields, column_lineage=lineage, facets=facets)


def _completed(rng: random.Random, dataset: Dataset) -> Dataset:
    statistics = _facet({"rowCount": rng.randint(1, 10**7), "size": rng.randint(1, 10**10)})
    return replace(dataset, io_facets={"outputStatistics": statistics})


def recent_base_us(n: int, now_us: int | None = None) -> int:
    """A first event time such that ``n`` events one millisecond apart end one second before now."""
    now = time.time_ns() // 1000 if now_us is None else now_us
    return now - n * 1000 - 1_000_000


def generate_events(n: int, *, seed: int = 7, token: str = "bench", base_us: int = BASE_US) -> list[LineageEvent]:
    """``n`` run events: START/COMPLETE pairs of ``n // 2`` runs (plus one lone START if ``n`` is odd).

    Event times start at ``base_us`` and increase by one millisecond per event (benchmarks pass
    ``recent_base_us(n)``: a live stream, not a replay); event and run IDs are UUIDs drawn from a
    generator seeded with ``seed`` and ``token``, so two tokens never share a run.
    """
    if n < 0:
        raise ValueError(f"cannot generate {n} events")
    rng = random.Random(f"{seed}:{token}")
    world = _World(rng, token, max(1, n // 2))
    events: list[LineageEvent] = []
    previous: ParentRun | None = None
    while len(events) < n:
        run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        job_name = rng.choice(world.jobs)
        parent = previous if previous is not None and rng.random() < 0.1 else None
        job = Job(world.job_namespace, job_name, _job_facets(rng, job_name))
        sources = [world.source() for _ in range(rng.randint(1, 3))]
        inputs = tuple(_input(ns, name) for ns, name in sources)
        outputs = tuple(_output(world, ns, name, sources) for ns, name in (world.sink() for _ in range(rng.randint(1, 2))))
        for state in (RunState.START, RunState.COMPLETE):
            if len(events) == n:
                break
            if state is RunState.COMPLETE:
                outputs = tuple(_completed(rng, d) for d in outputs)
            events.append(LineageEvent(
                event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                kind=EventKind.RUN,
                event_time_us=base_us + len(events) * 1000,
                producer=PRODUCER,
                event_type=state,
                schema_url=SCHEMA_URL,
                run=Run(run_id, parent, _run_facets(rng, state)),
                job=job,
                inputs=inputs,
                outputs=outputs,
            ))
        previous = ParentRun(run_id, world.job_namespace, job_name)
    return events
