"""The graph a set of valid events must produce: a pure-Python model of ``docs/graph-model.md``.

This is the oracle of the reliability tests, so it shares no code with ``lineage_stream.graph``:
it reads the documented semantics directly. Only the pipeline stages that change identifiers and
facets (``NormalizeStage``, ``RedactStage``, ``RollupStage``) are applied first, because what they
produce is part of the system's contract, not of the graph write.

The documented rules, as modelled here:

- events are a set: order is irrelevant and an event ID seen twice counts once;
- ``first_seen_us`` is the minimum and ``last_seen_us`` the maximum event time of every event that
  names the node or edge: as a subject, an input, an output, a column-lineage source, a symlink
  alias, or (runs and jobs) a parent in the parent facet;
- a run's state is the greatest (rank, event time, name) with OTHER < START < RUNNING < COMPLETE =
  FAIL = ABORT; ``started_at_us`` is the earliest START, ``ended_at_us`` the state time once the
  state is terminal;
- each facet (by name) of a dataset, job, run or run edge is the greatest (event time, deleted,
  JSON text); a facet with ``_deleted: true`` is removed but its time is kept; input and output
  facets belong to the run's READ_BY / WROTE edge, not to the dataset;
- the schema's ``field_names`` and the last partition keep the latest by event time; each
  distinct set of fields a dataset had is one ``SchemaVersion``, seen from the first to the last
  event that carried it; ``HAS_FIELD`` links every field any version had, typed and described by
  the latest version that has it;
- ``run_count`` of a job-level edge is the number of distinct runs of that job with the run-level
  edge; a JobEvent's edges exist with ``run_count`` 0 until a run adds to them;
- column lineage is one ``FLOWS_TO`` per (source field, target field, transformation type,
  subtype), with ``transformation`` ``""`` when none is given; ``masking`` is true if any event
  said so; the description is the latest given; a symlink's ``ALIAS_OF`` type is the latest given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from lineage_stream.errors import RejectedRecord
from lineage_stream.model import Dataset, EventKind, LineageEvent, SchemaField
from lineage_stream.pipeline.chain import Stage
from lineage_stream.pipeline.normalize import NormalizeStage
from lineage_stream.pipeline.redact import RedactStage
from lineage_stream.pipeline.rollup import RollupStage
from lineage_stream_dev.reliability.canonical import CanonicalGraph, NodeKey, canonical_facet_times, canonical_facets

_RANK = {"OTHER": 0, "START": 1, "RUNNING": 2, "COMPLETE": 3, "FAIL": 3, "ABORT": 3}
_TERMINAL_RANK = 3
Key2 = tuple[str, str]


def identifier_stages() -> list[Stage]:
    """The pure stages whose output the graph is built from, in the worker's order."""
    return [NormalizeStage(), RedactStage(), RollupStage()]


@dataclass(slots=True)
class _Span:
    first: int
    last: int

    def see(self, at: int) -> None:
        self.first = min(self.first, at)
        self.last = max(self.last, at)


def _see(spans: dict[Any, _Span], key: Any, at: int) -> _Span:
    span = spans.get(key)
    if span is None:
        span = spans[key] = _Span(at, at)
    else:
        span.see(at)
    return span


def _latest(current: tuple[int, Any] | None, at: int, value: Any) -> tuple[int, Any]:
    candidate = (at, value)
    return candidate if current is None or candidate > current else current


_Facets = dict[str, tuple[int, bool, str]]
"""Facet name → (event time, deleted, JSON text) of the greatest facet of that name seen."""


def _add_facets(target: _Facets, facets: Mapping[str, str], at: int) -> None:
    for sent_name, text in facets.items():
        name = sent_name.replace("\x00", "\ufffd")  # documented: Neo4j property keys cannot hold NUL
        value = json.loads(text)
        deleted = isinstance(value, dict) and value.get("_deleted") is True
        candidate = (at, deleted, "" if deleted else text)
        if name not in target or candidate > target[name]:
            target[name] = candidate


def _facet_props(facets: _Facets) -> dict[str, Any]:
    live = {name: text for name, (_at, deleted, text) in facets.items() if not deleted}
    return {"facets": canonical_facets(live),
            "facet_times": canonical_facet_times({name: at for name, (at, _d, _t) in facets.items()})}


def _flatten(fields: Sequence[SchemaField], prefix: str = "") -> tuple[tuple[str, str | None, str | None], ...]:
    out: list[tuple[str, str | None, str | None]] = []
    for f in fields:
        out.append((prefix + f.name, f.type, f.description))
        out.extend(_flatten(f.fields, f"{prefix}{f.name}."))
    return tuple(out)


@dataclass(slots=True)
class _DatasetState:
    rules: set[str] = field(default_factory=set)
    raw: set[str] = field(default_factory=set)
    named: bool = False
    """Named as a subject, input or output (not only as a lineage source or an alias)."""
    facets: _Facets = field(default_factory=dict)
    schema: tuple[int, Any] | None = None
    versions: dict[Any, _Span] = field(default_factory=dict)
    partition: tuple[int, str] | None = None


@dataclass(slots=True)
class _RunState:
    state: tuple[int, int, str] | None = None
    started: int | None = None
    facets: _Facets = field(default_factory=dict)


@dataclass(slots=True)
class _ColumnEdge:
    span: _Span
    masking: bool = False
    description: tuple[int, str] | None = None


class ReferenceModel:
    """Add events in any order, any number of times; ``graph()`` is the expected canonical graph."""

    def __init__(self, stages: Sequence[Stage] | None = None) -> None:
        self._stages = list(stages) if stages is not None else identifier_stages()
        self.applied: dict[str, LineageEvent] = {}
        self.rejected: dict[str, str] = {}
        self.duplicates = 0
        self._spans: dict[NodeKey, _Span] = {}
        self._datasets: dict[Key2, _DatasetState] = {}
        self._jobs: dict[Key2, _Facets] = {}
        self._runs: dict[str, _RunState] = {}
        self._run_io: dict[tuple[str, str, Key2], _Span] = {}
        self._run_io_facets: dict[tuple[str, str, Key2], _Facets] = {}
        self._job_io_facets: dict[tuple[str, Key2, Key2], _Facets] = {}
        self._job_io: dict[tuple[str, Key2, Key2], tuple[_Span, set[str]]] = {}
        self._has_run: set[tuple[Key2, str]] = set()
        self._run_parent: set[tuple[str, str]] = set()
        self._job_parent: set[tuple[Key2, Key2]] = set()
        self._columns: dict[tuple[str, ...], _ColumnEdge] = {}
        self._lineage_fields: dict[Key2, set[str]] = {}
        self._aliases: dict[tuple[Key2, Key2], tuple[int, str]] = {}

    def add(self, event: LineageEvent) -> None:
        if event.event_id in self.applied or event.event_id in self.rejected:
            self.duplicates += 1
            return
        current: LineageEvent | None = event
        try:
            for stage in self._stages:
                current = stage(current) if current is not None else None
        except RejectedRecord as rejection:
            self.rejected[event.event_id] = f"{rejection.stage}: {rejection.reason}"
            return
        assert current is not None
        self.applied[event.event_id] = current
        self._apply(current)

    def add_all(self, events: Iterable[LineageEvent]) -> ReferenceModel:
        for event in events:
            self.add(event)
        return self

    # -- applying one prepared event ------------------------------------------------------------

    def _apply(self, e: LineageEvent) -> None:
        at = e.event_time_us
        for d in (*e.inputs, *e.outputs, *((e.dataset,) if e.dataset is not None else ())):
            self._dataset(d, at)
        if e.job is None:
            return
        job = (e.job.namespace, e.job.name)
        _see(self._spans, ("Job", job), at)
        _add_facets(self._jobs.setdefault(job, {}), e.job.facets, at)
        run_id = e.run.run_id if e.kind is EventKind.RUN and e.run is not None else None
        if run_id is not None:
            self._run(e, job, run_id, at)
        for edge, side in (("INPUT_TO", e.inputs), ("OUTPUTS", e.outputs)):
            for d in side:
                span, runs = self._job_io.setdefault((edge, job, d.key), (_Span(at, at), set()))
                span.see(at)
                if run_id is None:  # a JobEvent: input/output facets on the job-level edge
                    _add_facets(self._job_io_facets.setdefault((edge, job, d.key), {}), d.io_facets, at)
                else:
                    runs.add(run_id)
                    run_edge = ("READ_BY" if edge == "INPUT_TO" else "WROTE", run_id, d.key)
                    _see(self._run_io, run_edge, at)
                    _add_facets(self._run_io_facets.setdefault(run_edge, {}), d.io_facets, at)

    def _run(self, e: LineageEvent, job: Key2, run_id: str, at: int) -> None:
        assert e.run is not None
        _see(self._spans, ("Run", (run_id,)), at)
        state = self._runs.setdefault(run_id, _RunState())
        name = e.event_type.value if e.event_type is not None else "OTHER"
        candidate = (_RANK[name], at, name)
        if state.state is None or candidate > state.state:
            state.state = candidate
        if name == "START" and (state.started is None or at < state.started):
            state.started = at
        _add_facets(state.facets, e.run.facets, at)
        self._has_run.add((job, run_id))
        parent = e.run.parent
        if parent is not None:
            parent_job = (parent.job_namespace, parent.job_name)
            _see(self._spans, ("Run", (parent.run_id,)), at)
            _see(self._spans, ("Job", parent_job), at)
            self._runs.setdefault(parent.run_id, _RunState())
            self._jobs.setdefault(parent_job, {})
            self._has_run.add((parent_job, parent.run_id))
            self._run_parent.add((run_id, parent.run_id))
            if parent_job != job:
                self._job_parent.add((job, parent_job))

    def _dataset(self, d: Dataset, at: int) -> None:
        _see(self._spans, ("Dataset", d.key), at)
        state = self._datasets.setdefault(d.key, _DatasetState())
        state.named = True
        if d.naming_rule is not None:
            state.rules.add(d.naming_rule)
        if d.raw_namespace is not None:
            state.raw.add(f"{d.raw_namespace}|{d.raw_name}")
        _add_facets(state.facets, d.facets, at)
        for partition in d.partitions:
            state.partition = _latest(state.partition, at, partition)
        if d.fields is not None:
            fields = _flatten(d.fields)
            state.schema = _latest(state.schema, at, fields)
            _see(state.versions, fields, at)
        for lineage in d.column_lineage:
            self._lineage_fields.setdefault(d.key, set()).add(lineage.output_field)
            for source in lineage.inputs:
                source_key = (source.namespace, source.name)
                self._mention_dataset(source_key, at)
                self._lineage_fields.setdefault(source_key, set()).add(source.field)
                for t in source.transformations or (None,):
                    key = (source.namespace, source.name, source.field, d.namespace, d.name, lineage.output_field,
                           t.type if t is not None else "", (t.subtype or "") if t is not None else "")
                    edge = self._columns.get(key)
                    if edge is None:
                        edge = self._columns[key] = _ColumnEdge(_Span(at, at))
                    edge.span.see(at)
                    if t is not None:
                        edge.masking = edge.masking or t.masking
                        if t.description is not None:
                            edge.description = _latest(edge.description, at, t.description)
        for link in d.symlinks:
            alias = (link.namespace, link.name)
            if alias != d.key:
                self._mention_dataset(alias, at)
                self._aliases[(alias, d.key)] = _latest(self._aliases.get((alias, d.key)), at, link.type or "")

    def _mention_dataset(self, key: Key2, at: int) -> None:
        _see(self._spans, ("Dataset", key), at)
        self._datasets.setdefault(key, _DatasetState())

    # -- the canonical graph --------------------------------------------------------------------

    def graph(self) -> CanonicalGraph:
        g = CanonicalGraph()
        for key, span in self._spans.items():
            g.nodes[key] = {"first_seen_us": span.first, "last_seen_us": span.last}
        for ds, d in self._datasets.items():
            schema = d.schema[1] if d.schema is not None else ()
            g.nodes[("Dataset", ds)].update({
                "naming_rule": max(d.rules) if d.rules else None,
                "raw_identifiers": tuple(sorted(d.raw)) if d.named else None,
                **_facet_props(d.facets),
                "schema_at_us": d.schema[0] if d.schema else None,
                "field_names": tuple(name for name, _, _ in schema) if d.schema else None,
                "last_partition": d.partition[1] if d.partition else None,
                "last_partition_at_us": d.partition[0] if d.partition else None,
            })
            for fields, span in d.versions.items():
                version = ("SchemaVersion", (*ds, fields))
                g.nodes[version] = {"first_seen_us": span.first, "last_seen_us": span.last}
                g.add_edge(("HAS_SCHEMA_VERSION", ("Dataset", ds), version, ()), {})
            typed: dict[str, tuple[str | None, str | None]] = {}
            for fields, _span in sorted(d.versions.items(), key=lambda v: (v[1].last, repr(v[0]))):
                typed.update((name, (kind, description)) for name, kind, description in fields)
            for name in {*typed, *self._lineage_fields.get(ds, ())}:
                kind, description = typed.get(name, (None, None))
                g.nodes[("Field", (*ds, name))] = {"type": kind, "description": description}
                g.add_edge(("HAS_FIELD", ("Dataset", ds), ("Field", (*ds, name)), ()), {})
        for job, facets in self._jobs.items():
            g.nodes[("Job", job)].update(_facet_props(facets))
        for run_id, r in self._runs.items():
            rank, state_at, name = r.state if r.state is not None else (None, None, None)
            g.nodes[("Run", (run_id,))].update({
                "state": name, "state_rank": rank, "state_at_us": state_at, "started_at_us": r.started,
                "ended_at_us": state_at if rank is not None and rank >= _TERMINAL_RANK else None,
                **_facet_props(r.facets),
            })
        for (edge, run_id, ds), span in self._run_io.items():
            run: NodeKey = ("Run", (run_id,))
            dataset: NodeKey = ("Dataset", ds)
            ends = (dataset, run) if edge == "READ_BY" else (run, dataset)
            g.add_edge((edge, *ends, ()), {"first_seen_us": span.first, "last_seen_us": span.last,
                                             **_facet_props(self._run_io_facets.get((edge, run_id, ds), {}))})
        for (edge, job, ds), (span, runs) in self._job_io.items():
            job_node: NodeKey = ("Job", job)
            ends = (("Dataset", ds), job_node) if edge == "INPUT_TO" else (job_node, ("Dataset", ds))
            g.add_edge((edge, *ends, ()), {"run_count": len(runs), "first_seen_us": span.first,
                                             "last_seen_us": span.last,
                                             **_facet_props(self._job_io_facets.get((edge, job, ds), {}))})
        for job, run_id in self._has_run:
            g.add_edge(("HAS_RUN", ("Job", job), ("Run", (run_id,)), ()), {})
        for run_id, parent_id in self._run_parent:
            g.add_edge(("CHILD_OF", ("Run", (run_id,)), ("Run", (parent_id,)), ()), {})
        for job, parent_job in self._job_parent:
            g.add_edge(("CHILD_OF", ("Job", job), ("Job", parent_job), ()), {})
        for column, c in self._columns.items():
            source: NodeKey = ("Field", column[0:3])
            target: NodeKey = ("Field", column[3:6])
            g.add_edge(("FLOWS_TO", source, target, column[6:8]), {
                "description": c.description[1] if c.description else None, "masking": c.masking,
                "first_seen_us": c.span.first, "last_seen_us": c.span.last})
        for (alias, ds), (_at, kind) in self._aliases.items():
            g.add_edge(("ALIAS_OF", ("Dataset", alias), ("Dataset", ds), ()), {"type": kind})
        return g


def reference_graph(events: Iterable[LineageEvent]) -> CanonicalGraph:
    """The expected graph of ``events`` (any order, duplicates by event ID ignored)."""
    return ReferenceModel().add_all(events).graph()
