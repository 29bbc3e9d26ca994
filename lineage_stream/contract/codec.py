"""Conversion between ``LineageEvent`` and the Avro record of the contract."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from lineage_stream.memo import Memo
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
    Symlink,
    Transformation,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

Record = dict[str, Any]


def event_to_record(event: LineageEvent) -> Record:
    return {
        "event_id": event.event_id,
        "kind": event.kind.value,
        "event_type": event.event_type.value if event.event_type else None,
        "event_time": event.event_time_us,
        "producer": event.producer,
        "schema_url": event.schema_url,
        "run": _run_to_record(event.run) if event.run else None,
        "job": (
            {"namespace": event.job.namespace, "name": event.job.name, "facets": dict(event.job.facets)}
            if event.job
            else None
        ),
        "inputs": [_dataset_to_record(d) for d in event.inputs],
        "outputs": [_dataset_to_record(d) for d in event.outputs],
        "dataset": _dataset_to_record(event.dataset) if event.dataset else None,
    }


class Schemas:
    """The schemas already built, by content: one ``tuple[SchemaField, ...]`` per distinct schema, and
    one ``SchemaField`` per distinct field.

    Producers send the same schema with every run of a job, and building the frozen fields is most
    of the cost of a dataset; a lookup by a key of plain tuples is about six times cheaper, and the
    stages after decode then see the very same object for the same schema (their memos compare by
    identity first). Schemas also share their fields: the versions of a table's schema differ in a
    column or two, tables repeat the same columns (``id``, ``created_at``), and a schema seen once
    (a description quoting a ticket) then costs its one new field and a tuple, not a copy of every
    field and of its key. A job's column lineage is the same at every run too: ``lineage`` shares it
    the same way, by content. Bounded: a ``Memo`` of ``entries`` schemas per generation, one of
    ``field_entries`` fields and one of ``entries`` column lineages.

    The Avro decoder builds from its records (``__call__``, ``lineage``). The OpenLineage JSON
    decoder checks and builds a facet first, then shares the result (``share``, ``share_lineage``);
    a ``schema`` facet equal to one built before is found by its content (``known``), unchecked.
    """

    def __init__(self, entries: int = 4_096, field_entries: int = 16_384) -> None:
        self._built: Memo[tuple[Any, ...], tuple[SchemaField, ...]] = Memo(entries)
        self._fields: Memo[tuple[Any, ...], tuple[tuple[Any, ...], SchemaField]] = Memo(field_entries)
        self._lineages: Memo[tuple[Any, ...], tuple[FieldLineage, ...]] = Memo(entries)

    def __call__(self, records: list[Record]) -> tuple[SchemaField, ...]:
        return self._schema(_fields_key(records))

    def _schema(self, key: tuple[Any, ...]) -> tuple[SchemaField, ...]:
        """The shared schema of ``key``, built from shared fields on a miss."""
        built = self._built.get(key)
        if built is None:
            key, built = self._shared(key)
            self._built.put(key, built)
        return built

    def _shared(self, key: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[SchemaField, ...]]:
        """The schema of ``key`` built from the fields already built, and its key made of theirs."""
        keys: list[tuple[Any, ...]] = []
        fields: list[SchemaField] = []
        for field_key in key:
            hit = self._fields.get(field_key)
            if hit is None:
                name, kind, description, nested = field_key
                nested_key, nested_fields = self._shared(nested) if nested else ((), ())
                shared_key = (name, kind, description, nested_key)
                hit = (shared_key, SchemaField(name, kind, description, nested_fields))
                self._fields.put(shared_key, hit)
            keys.append(hit[0])
            fields.append(hit[1])
        return tuple(keys), tuple(fields)

    def known(self, records: object) -> tuple[SchemaField, ...] | None:
        """The schema already built from records equal to ``records`` (the ``fields`` of an
        OpenLineage ``schema`` facet, as parsed JSON), or None: not seen yet, or not a shape a schema
        is built from. Only schemas built before are held, so a hit needs no validation."""
        try:
            return self._built.get(_fields_key(records))  # type: ignore[arg-type]
        except (TypeError, KeyError, AttributeError):  # fields not a list, a field not an object, a value not hashable
            return None

    def share(self, fields: tuple[SchemaField, ...]) -> tuple[SchemaField, ...]:
        """The shared schema equal to ``fields`` (built elsewhere, e.g. from OpenLineage JSON)."""
        return self._schema(_key_of_fields(fields))

    def share_lineage(self, lineage: tuple[FieldLineage, ...]) -> tuple[FieldLineage, ...]:
        """The shared column lineage equal to ``lineage`` (built elsewhere)."""
        return self._lineage(_key_of_lineage(lineage), lambda _key: lineage)

    def lineage(self, records: list[Record]) -> tuple[FieldLineage, ...]:
        """A dataset's column lineage, one object per distinct content."""
        return self._lineage(_lineage_key(records), _lineage_from_key)

    def _lineage(self, key: tuple[Any, ...], build: Callable[[tuple[Any, ...]], tuple[FieldLineage, ...]]
                 ) -> tuple[FieldLineage, ...]:
        """The shared column lineage of ``key``; ``build`` makes it on a miss."""
        built = self._lineages.get(key)
        if built is None:
            built = build(key)
            self._lineages.put(key, built)
        return built


def _fields_key(records: list[Record]) -> tuple[Any, ...]:
    """Raises ``TypeError`` for ``fields`` that are not a list: ``known`` takes parsed JSON, where a
    ``fields`` of ``""`` or ``{}`` must not pass for "no nested fields" (the facet's check refuses it)."""
    if not isinstance(records, list):
        raise TypeError(f"fields must be a list, got {type(records).__name__}")
    return tuple((r["name"], r.get("type"), r.get("description"),
                  () if (nested := r.get("fields")) is None or nested == [] else _fields_key(nested))
                 for r in records)


def _key_of_fields(fields: tuple[SchemaField, ...]) -> tuple[Any, ...]:
    """The same key as ``_fields_key`` gives the records of equal fields."""
    return tuple((f.name, f.type, f.description, _key_of_fields(f.fields) if f.fields else ()) for f in fields)


def _key_of_lineage(lineage: tuple[FieldLineage, ...]) -> tuple[Any, ...]:
    """The same key as ``_lineage_key`` gives the records of equal lineage."""
    return tuple((f.output_field, tuple((i.namespace, i.name, i.field, tuple(
        (t.type, t.subtype, t.description, t.masking) for t in i.transformations)) for i in f.inputs))
        for f in lineage)


def _lineage_key(records: list[Record]) -> tuple[Any, ...]:
    return tuple((lineage["output_field"], tuple(
        (i["namespace"], i["name"], i["field"],
         tuple((t["type"], t.get("subtype"), t.get("description"), bool(t.get("masking"))) for t in i.get("transformations") or ()))
        for i in lineage["inputs"])) for lineage in records)


def _lineage_from_key(key: tuple[Any, ...]) -> tuple[FieldLineage, ...]:
    return tuple(
        FieldLineage(output_field, tuple(InputField(namespace, name, field, tuple(Transformation(*t) for t in transformations))
                                         for namespace, name, field, transformations in inputs))
        for output_field, inputs in key
    )


def event_from_record(record: Mapping[str, Any], schemas: Schemas | None = None) -> LineageEvent:
    """Build an event from a decoded record (fields missing in old versions were defaulted).

    ``schemas`` builds a dataset's fields and column lineage: pass one ``Schemas`` to share equal
    ones between events (by default they are shared within this event only).
    """
    if schemas is None:
        schemas = Schemas()
    run = record.get("run")
    job = record.get("job")
    dataset = record.get("dataset")
    event_type = record.get("event_type")
    return LineageEvent(
        event_id=record["event_id"],
        kind=EventKind(record["kind"]),
        event_type=RunState(event_type) if event_type else None,
        event_time_us=_micros(record["event_time"]),
        producer=record["producer"],
        schema_url=record.get("schema_url"),
        run=_run_from_record(run) if run else None,
        job=Job(job["namespace"], job["name"], dict(job.get("facets") or {})) if job else None,
        inputs=tuple(_dataset_from_record(d, schemas) for d in record.get("inputs") or ()),
        outputs=tuple(_dataset_from_record(d, schemas) for d in record.get("outputs") or ()),
        dataset=_dataset_from_record(dataset, schemas) if dataset else None,
    )


def _micros(value: int | datetime) -> int:
    if isinstance(value, datetime):
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return int(value)


def _run_to_record(run: Run) -> Record:
    parent = run.parent
    return {
        "run_id": run.run_id,
        "parent": (
            {"run_id": parent.run_id, "job_namespace": parent.job_namespace, "job_name": parent.job_name}
            if parent
            else None
        ),
        "facets": dict(run.facets),
    }


def _run_from_record(record: Mapping[str, Any]) -> Run:
    parent = record.get("parent")
    return Run(
        run_id=record["run_id"],
        parent=ParentRun(parent["run_id"], parent["job_namespace"], parent["job_name"]) if parent else None,
        facets=dict(record.get("facets") or {}),
    )


def _field_to_record(field: SchemaField) -> Record:
    return {
        "name": field.name,
        "type": field.type,
        "description": field.description,
        "fields": [_field_to_record(f) for f in field.fields],
    }


def _dataset_to_record(dataset: Dataset) -> Record:
    return {
        "namespace": dataset.namespace,
        "name": dataset.name,
        "fields": [_field_to_record(f) for f in dataset.fields] if dataset.fields is not None else None,
        "column_lineage": [
            {
                "output_field": lineage.output_field,
                "inputs": [
                    {
                        "namespace": i.namespace,
                        "name": i.name,
                        "field": i.field,
                        "transformations": [
                            {"type": t.type, "subtype": t.subtype, "description": t.description, "masking": t.masking}
                            for t in i.transformations
                        ],
                    }
                    for i in lineage.inputs
                ],
            }
            for lineage in dataset.column_lineage
        ],
        "symlinks": [{"namespace": s.namespace, "name": s.name, "type": s.type} for s in dataset.symlinks],
        "facets": dict(dataset.facets),
        "io_facets": dict(dataset.io_facets),
    }


def _dataset_from_record(record: Mapping[str, Any], schemas: Schemas) -> Dataset:
    fields = record.get("fields")
    lineage = record.get("column_lineage")
    return Dataset(
        namespace=record["namespace"],
        name=record["name"],
        fields=schemas(fields) if fields is not None else None,
        column_lineage=schemas.lineage(lineage) if lineage else (),
        symlinks=tuple(Symlink(s["namespace"], s["name"], s.get("type")) for s in record.get("symlinks") or ()),
        facets=dict(record.get("facets") or {}),
        io_facets=dict(record.get("io_facets") or {}),
    )
