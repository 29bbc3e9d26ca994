"""Turn a batch of events into the parameter rows of the graph upsert, one row per node or edge.

Rows are aggregated per key before they reach Neo4j, so a batch never holds two rows for the same
node or edge, and every merge is order-independent: first-seen takes the minimum time, last-seen
the maximum, a run's state the maximum of (rank, time, name), each facet the latest of its own name
(``graph/facets.py``).
Applying the same events again, in any order or batch split, yields the same graph.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Iterable

from lineage_stream.graph.facets import facet_rows, merge_facets
from lineage_stream.memo import IdentityMemo
from lineage_stream.model import STATE_RANK, Dataset, LineageEvent, RunState, SchemaField

Row = dict[str, Any]


@dataclass(slots=True)
class GraphBatch:
    datasets: list[Row] = field(default_factory=list)
    jobs: list[Row] = field(default_factory=list)
    runs: list[Row] = field(default_factory=list)
    parents: list[Row] = field(default_factory=list)
    run_reads: list[Row] = field(default_factory=list)
    run_read_facets: list[Row] = field(default_factory=list)
    """The facets of the run edges in ``run_reads`` that carry any (a statement of their own)."""
    run_writes: list[Row] = field(default_factory=list)
    run_write_facets: list[Row] = field(default_factory=list)
    job_reads: list[Row] = field(default_factory=list)
    job_writes: list[Row] = field(default_factory=list)
    schemas: list[Row] = field(default_factory=list)
    schema_versions: list[Row] = field(default_factory=list)
    fields: list[Row] = field(default_factory=list)
    column_edges: list[Row] = field(default_factory=list)
    symlinks: list[Row] = field(default_factory=list)
    applied_events: list[Row] = field(default_factory=list)
    offsets: list[Row] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


def _with_facet_rows(rows: Iterable[Row]) -> list[Row]:
    """Rows whose ``facets`` (name → merged facet while planning) become the fragment's list of facet rows."""
    out = list(rows)
    for row in out:
        row["facets"] = facet_rows(row["facets"])
    return out


def _edges_and_facets(rows: Iterable[Row]) -> tuple[list[Row], list[Row]]:
    """Run edge rows without their facets, and the facet rows of the edges that have any."""
    edges, faceted = [], []
    for row in rows:
        facets = facet_rows(row.pop("facets"))
        edges.append(row)
        if facets:
            faceted.append({"run_id": row["run_id"], "namespace": row["namespace"], "name": row["name"],
                            "r": row["r"], "d": row["d"], "facets": facets})
    return edges, faceted


def _span(target: Row, at: int) -> None:
    if at < target["first"]:
        target["first"] = at
    elif at > target["last"]:
        target["last"] = at


def _latest(target: Row, at: int, key: str, value: Any) -> None:
    """Keep ``value`` under ``key`` if (at, value) is the greatest seen, so the result does not depend on order."""
    if (at, value) > (target[f"{key}_at"], target[key]):
        target[key] = value
        target[f"{key}_at"] = at


@dataclass(frozen=True, slots=True)
class _Schema:
    rows: tuple[Row, ...]
    """One row per field, nested fields by dotted path (shared between batches: never mutated)."""
    text: str
    fingerprint: str


@lru_cache(maxsize=4_096)  # about 1.5 KB each; the bench stream's hot schemas fit with room to spare
def _schema(fields: tuple[SchemaField, ...]) -> _Schema:
    """A schema's field rows, canonical JSON and fingerprint, computed once per distinct schema:
    producers send the same schema with every run of a job."""
    rows = tuple(row for f in fields for row in _rows_of_field(f))
    text = json.dumps(rows, separators=(",", ":"), sort_keys=True)
    return _Schema(rows, text, hashlib.sha256(text.encode()).hexdigest()[:32])


_FIELD_ROWS: IdentityMemo[SchemaField, tuple[Row, ...]] = IdentityMemo(16_384)


def _rows_of_field(field: SchemaField) -> tuple[Row, ...]:
    """The rows of a schema's field and of its nested fields, shared by every schema that holds this
    very field: the decoder builds one object per distinct field (``contract.codec.Schemas``), and
    tables repeat their columns from version to version and from table to table."""
    rows = _FIELD_ROWS.get(field)
    if rows is None:
        rows = tuple(flatten_fields((field,)))
        _FIELD_ROWS.put(field, rows)
    return rows


_SCHEMAS_SEEN: IdentityMemo[tuple[SchemaField, ...], _Schema] = IdentityMemo(4_096)


def _schema_of(fields: tuple[SchemaField, ...]) -> _Schema:
    """``_schema(fields)``, found by identity first: the decoder shares one tuple per distinct schema,
    and hashing a schema's fields (in Python, field by field) costs more than planning it."""
    schema = _SCHEMAS_SEEN.get(fields)
    if schema is None:
        schema = _schema(fields)
        _SCHEMAS_SEEN.put(fields, schema)
    return schema


def flatten_fields(fields: Iterable[SchemaField], prefix: str = "") -> list[Row]:
    out: list[Row] = []
    for f in fields:
        path = f"{prefix}{f.name}"
        out.append({"name": path, "type": f.type, "description": f.description})
        out.extend(flatten_fields(f.fields, prefix=f"{path}."))
    return out


class _Planner:
    def __init__(self) -> None:
        self.datasets: dict[tuple[str, str], Row] = {}
        self.jobs: dict[tuple[str, str], Row] = {}
        self.runs: dict[tuple[str, str, str], Row] = {}
        self.parents: dict[str, Row] = {}
        self.run_io: dict[tuple[str, ...], Row] = {}
        self.job_io: dict[tuple[str, str, str, str, str], Row] = {}
        self.schemas: dict[tuple[str, str], tuple[int, _Schema]] = {}
        """(event time, schema) of each dataset's latest schema in the batch."""
        self.schema_versions: dict[tuple[str, str, str], Row] = {}
        self.version_fields: dict[tuple[str, str, str], _Schema] = {}
        self.column_edges: dict[tuple[Any, ...], Row] = {}
        self.symlinks: dict[tuple[str, str, str, str], Row] = {}
        # Each row's place in its statement's list: the Cypher finds a node merged earlier in the batch
        # at that index of the earlier statement's node list (cypher.WRITE_ORDER).
        self.dataset_at: dict[tuple[str, str], int] = {}
        self.job_at: dict[tuple[str, str], int] = {}
        self.run_at: dict[tuple[str, str, str], int] = {}
        self.version_at: dict[tuple[str, str, str], int] = {}

    def add(self, event: LineageEvent) -> None:
        at = event.event_time_us
        for dataset in (*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])):
            self._dataset(dataset, at)
        job = event.job
        if job is not None:
            row = self.jobs.get((job.namespace, job.name))
            if row is None:
                self.job_at[(job.namespace, job.name)] = len(self.jobs)
                row = self.jobs[(job.namespace, job.name)] = {
                    "namespace": job.namespace, "name": job.name, "first": at, "last": at, "facets": {}}
            else:
                _span(row, at)
            if job.facets:
                merge_facets(row["facets"], job.facets, at)
        if event.run is not None and job is not None:
            self._run(event, at)
        elif job is not None:
            for direction, datasets in (("reads", event.inputs), ("writes", event.outputs)):
                for d in datasets:
                    key = (direction, job.namespace, job.name, d.namespace, d.name)
                    io = self.job_io.setdefault(key, {"job_namespace": job.namespace, "job_name": job.name, "namespace": d.namespace, "name": d.name, "first": at, "last": at, "facets": {}})
                    _span(io, at)
                    merge_facets(io["facets"], d.io_facets, at)

    def _dataset(self, dataset: Dataset, at: int) -> None:
        # A hot dataset recurs hundreds of times in a batch: rows are built on first sight only.
        key = dataset.key
        row = self.datasets.get(key)
        if row is None:
            self.dataset_at[key] = len(self.datasets)
            row = self.datasets[key] = {
                "namespace": dataset.namespace, "name": dataset.name, "first": at, "last": at,
                "rule": dataset.naming_rule, "raw": [], "facets": {}, "partition": "", "partition_at": -1}
        else:
            _span(row, at)
        if dataset.raw_namespace is not None:
            raw = f"{dataset.raw_namespace}|{dataset.raw_name}"
            if raw not in row["raw"]:
                row["raw"].append(raw)
        if dataset.facets:
            merge_facets(row["facets"], dataset.facets, at)
        for partition in dataset.partitions:
            _latest(row, at, "partition", partition)
        if dataset.fields is not None:
            self._schema(key, _schema_of(dataset.fields), at)
        for lineage in dataset.column_lineage:
            for source in lineage.inputs:
                for t in source.transformations or (None,):
                    edge_key = (source.namespace, source.name, source.field, dataset.namespace, dataset.name,
                                lineage.output_field, t.type if t else "", (t.subtype or "") if t else "")
                    edge = self.column_edges.get(edge_key)
                    if edge is None:
                        edge = self.column_edges[edge_key] = {
                            "in_namespace": source.namespace, "in_name": source.name, "in_field": source.field,
                            "out_namespace": dataset.namespace, "out_name": dataset.name,
                            "out_field": lineage.output_field, "d": self.dataset_at[key],
                            "type": edge_key[6], "subtype": edge_key[7],
                            "masking": False, "description": "", "description_at": -1, "first": at, "last": at}
                    else:
                        _span(edge, at)
                    if t is not None:
                        edge["masking"] = edge["masking"] or t.masking
                        if t.description:
                            _latest(edge, at, "description", t.description)
        for link in dataset.symlinks:
            link_key = (dataset.namespace, dataset.name, link.namespace, link.name)
            if link_key[:2] != link_key[2:]:
                alias = self.symlinks.get(link_key)
                if alias is None:
                    alias = self.symlinks[link_key] = {
                        "namespace": dataset.namespace, "name": dataset.name, "alias_namespace": link.namespace,
                        "alias_name": link.name, "type": "", "type_at": -1, "first": at, "last": at}
                else:
                    _span(alias, at)
                _latest(alias, at, "type", link.type or "")

    def _schema(self, key: tuple[str, str], schema: _Schema, at: int) -> None:
        """The dataset's current schema (the latest, by (time, fingerprint)) and the version's span."""
        current = self.schemas.get(key)
        if current is None or (at, schema.fingerprint) > (current[0], current[1].fingerprint):
            self.schemas[key] = (at, schema)
        version_key = (*key, schema.fingerprint)
        version = self.schema_versions.get(version_key)
        if version is None:
            self.version_at[version_key] = len(self.schema_versions)
            self.schema_versions[version_key] = {
                "namespace": key[0], "name": key[1], "fingerprint": schema.fingerprint, "fields": schema.text,
                "d": self.dataset_at[key], "first": at, "last": at}
            self.version_fields[version_key] = schema
        else:
            _span(version, at)

    def _run(self, event: LineageEvent, at: int) -> None:
        assert event.run is not None and event.job is not None
        run, job = event.run, event.job
        state = event.event_type or RunState.OTHER
        # Keyed by job too: a run ID reused by another job (it happens in copied fixtures) links both jobs.
        run_key = (run.run_id, job.namespace, job.name)
        row = self.runs.get(run_key)
        if row is None:
            self.run_at[run_key] = len(self.runs)
            row = self.runs[run_key] = {
                "run_id": run.run_id, "job_namespace": job.namespace, "job_name": job.name,
                "j": self.job_at[(job.namespace, job.name)], "first": at, "last": at,
                "state": "", "rank": -1, "state_at": -1, "started": None, "facets": {}}
        else:
            _span(row, at)
        candidate = (STATE_RANK[state], at, state.value)
        if candidate > (row["rank"], row["state_at"], row["state"]):
            row["rank"], row["state_at"], row["state"] = candidate
        if state is RunState.START and (row["started"] is None or at < row["started"]):
            row["started"] = at
        if run.facets:
            merge_facets(row["facets"], run.facets, at)
        if run.parent is not None:
            parent = self.parents.setdefault(run.run_id, {
                "run_id": run.run_id, "parent_run_id": run.parent.run_id,
                "parent_job_namespace": run.parent.job_namespace, "parent_job_name": run.parent.job_name,
                "first": at, "last": at,
            })
            _span(parent, at)
        for direction, datasets in (("read", event.inputs), ("wrote", event.outputs)):
            for d in datasets:
                io_key = (direction, run.run_id, job.namespace, job.name, d.namespace, d.name)
                io = self.run_io.get(io_key)
                if io is None:
                    io = self.run_io[io_key] = {
                        "run_id": run.run_id, "job_namespace": job.namespace, "job_name": job.name,
                        "namespace": d.namespace, "name": d.name, "r": self.run_at[run_key],
                        "j": row["j"], "d": self.dataset_at[d.key], "first": at, "last": at, "facets": {}}
                else:
                    _span(io, at)
                if d.io_facets:
                    merge_facets(io["facets"], d.io_facets, at)


def _field_rows(planner: _Planner) -> list[Row]:
    """One row per schema version of the batch, with its fields (typing is decided in Cypher)."""
    return [{"namespace": namespace, "name": name, "fingerprint": fingerprint, "fields": list(schema.rows),
             "d": planner.dataset_at[(namespace, name)], "v": planner.version_at[(namespace, name, fingerprint)]}
            for (namespace, name, fingerprint), schema in planner.version_fields.items()]


def plan_batch(events: Iterable[LineageEvent], offsets: Iterable[Row] = (), *, applied_at_us: int = 0) -> GraphBatch:
    """The rows that upsert ``events``, remember their IDs (as applied at ``applied_at_us``) and
    record ``offsets``, all in one transaction."""
    planner = _Planner()
    applied: dict[str, Row] = {}
    for event in events:
        planner.add(event)
        applied.setdefault(event.event_id, {"event_id": event.event_id, "at": applied_at_us})
    run_reads, run_read_facets = _edges_and_facets(r for (d, *_), r in planner.run_io.items() if d == "read")
    run_writes, run_write_facets = _edges_and_facets(r for (d, *_), r in planner.run_io.items() if d == "wrote")
    return GraphBatch(
        datasets=_with_facet_rows(planner.datasets.values()),
        jobs=_with_facet_rows(planner.jobs.values()),
        runs=_with_facet_rows(planner.runs.values()),
        parents=list(planner.parents.values()),
        run_reads=run_reads,
        run_read_facets=run_read_facets,
        run_writes=run_writes,
        run_write_facets=run_write_facets,
        job_reads=_with_facet_rows(r for (d, *_), r in planner.job_io.items() if d == "reads"),
        job_writes=_with_facet_rows(r for (d, *_), r in planner.job_io.items() if d == "writes"),
        schemas=[{"namespace": namespace, "name": name, "d": planner.dataset_at[(namespace, name)], "at": at,
                  "fingerprint": schema.fingerprint, "fields": list(schema.rows)}
                 for (namespace, name), (at, schema) in planner.schemas.items()],
        schema_versions=list(planner.schema_versions.values()),
        fields=_field_rows(planner),
        column_edges=list(planner.column_edges.values()),
        symlinks=list(planner.symlinks.values()),
        applied_events=list(applied.values()),
        offsets=list(offsets),
    )
