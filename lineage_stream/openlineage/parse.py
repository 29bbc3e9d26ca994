"""An OpenLineage JSON document (spec 1.x or 2.x) → a ``LineageEvent``.

The kind of event is decided by what the document carries, not by its ``schemaURL``:

- ``run`` present (not null) → RunEvent (``EventKind.RUN``); it must also carry a ``job``.
  A stray top-level ``dataset`` beside ``run`` and ``job`` (the spec's own example event has
  one) is ignored.
- else ``job`` present → JobEvent (``EventKind.JOB``), with its inputs and outputs;
- else ``dataset`` present → DatasetEvent (``EventKind.DATASET``).

``event_type`` is set for RunEvents only (missing, null or unknown ``eventType`` → ``OTHER``;
matching is case-insensitive); JobEvents and DatasetEvents describe no run, so their
``event_type`` is ``None`` even if a producer sent one.

Rejected with ``ValidationError`` (the record goes to the dead-letter topic): a document that
is not an object; a RunEvent without a non-blank ``run.runId``; a job or dataset without
``namespace`` / ``name`` strings; a missing or unparseable ``eventTime``; core members of the
wrong JSON type (``inputs`` that is not an array, ``producer`` that is not a string, ...).

Tolerated: ``producer`` missing or empty (the Spark integration's serde fixture has none;
stored as ``"unknown"``), ``schemaURL`` missing, ``inputs`` / ``outputs`` / ``facets`` missing
or null.
A malformed facet is dropped and reported in ``ParsedEvent.dropped_facets`` (see ``facets``).
Empty namespaces and names pass: the normalize stage owns identifier rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lineage_stream.contract.codec import Schemas
from lineage_stream.errors import ValidationError
from lineage_stream.model import Dataset, EventKind, Job, LineageEvent, Run, RunState
from lineage_stream.openlineage.event_id import derive_event_id
from lineage_stream.openlineage.event_time import event_time_micros
from lineage_stream.openlineage.facets import (
    WHOLE_CONTAINER,
    DroppedFacet,
    dataset_facets,
    plain_facets,
    run_facets,
)
from lineage_stream.openlineage.shapes import (
    FacetSite,
    json_type_name,
    optional_objects,
    optional_string,
    required_object,
    required_string,
)

UNKNOWN_PRODUCER = "unknown"
"""``LineageEvent.producer`` of an event that names no producer."""


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    event: LineageEvent
    dropped_facets: tuple[DroppedFacet, ...]
    """Facets left out because their content was malformed; the rest of the event is intact."""


def parse_openlineage(doc: Mapping[str, Any], *, event_id: str | None = None,
                      schemas: Schemas | None = None) -> ParsedEvent:
    """Validate and convert one decoded OpenLineage event.

    ``event_id`` is used as is when given (e.g. from a Kafka header), else derived from the
    document's content with ``derive_event_id``. ``schemas``: pass one ``Schemas`` to share equal
    schemas and column lineage between events, as the Avro decoder does.
    """
    if not isinstance(doc, Mapping):
        raise ValidationError(f"event must be a JSON object, got {json_type_name(doc)}")
    kind = _event_kind(doc)
    event_time_us = event_time_micros(doc.get("eventTime"))
    producer = optional_string(doc, "producer", error=ValidationError)
    schema_url = optional_string(doc, "schemaURL", error=ValidationError)
    run_state = _run_state(doc.get("eventType"))
    dropped: list[DroppedFacet] = []
    run: Run | None = None
    job: Job | None = None
    inputs: tuple[Dataset, ...] = ()
    outputs: tuple[Dataset, ...] = ()
    dataset: Dataset | None = None
    if kind is EventKind.DATASET:
        raw_dataset = required_object(doc, "dataset", error=ValidationError)
        dataset = _dataset(raw_dataset, "dataset", None, dropped, schemas)
    else:
        if kind is EventKind.RUN:
            run = _run(required_object(doc, "run", error=ValidationError), dropped)
        job = _job(required_object(doc, "job", error=ValidationError), dropped)
        inputs = _datasets(doc, "inputs", FacetSite.INPUT, dropped, schemas)
        outputs = _datasets(doc, "outputs", FacetSite.OUTPUT, dropped, schemas)
    event = LineageEvent(
        event_id=event_id if event_id is not None else derive_event_id(doc),
        kind=kind,
        event_time_us=event_time_us,
        producer=producer or UNKNOWN_PRODUCER,
        event_type=run_state if kind is EventKind.RUN else None,
        schema_url=schema_url,
        run=run,
        job=job,
        inputs=inputs,
        outputs=outputs,
        dataset=dataset,
    )
    return ParsedEvent(event, tuple(dropped))


def _event_kind(doc: Mapping[str, Any]) -> EventKind:
    if doc.get("run") is not None:
        if doc.get("job") is None:
            raise ValidationError("job is missing (a RunEvent needs run and job)")
        return EventKind.RUN
    if doc.get("job") is not None:
        return EventKind.JOB
    if doc.get("dataset") is not None:
        return EventKind.DATASET
    raise ValidationError("event has neither run, job nor dataset")


def _run_state(value: object) -> RunState:
    if value is None:
        return RunState.OTHER
    if not isinstance(value, str):
        raise ValidationError(f"eventType must be string, got {json_type_name(value)}")
    return RunState.__members__.get(value.strip().upper(), RunState.OTHER)


def _run(raw: Mapping[str, Any], dropped: list[DroppedFacet]) -> Run:
    run_id = required_string(raw, "runId", "run.", error=ValidationError)
    if not run_id.strip():
        raise ValidationError("run.runId is blank")
    facets = run_facets(raw.get("facets"), "run", dropped)
    return Run(run_id=run_id, parent=facets.parent, facets=facets.facets)


def _job(raw: Mapping[str, Any], dropped: list[DroppedFacet]) -> Job:
    return Job(
        namespace=required_string(raw, "namespace", "job.", error=ValidationError),
        name=required_string(raw, "name", "job.", error=ValidationError),
        facets=plain_facets(raw.get("facets"), "job", FacetSite.JOB, dropped),
    )


def _datasets(
    doc: Mapping[str, Any], key: str, side: FacetSite, dropped: list[DroppedFacet], schemas: Schemas | None
) -> tuple[Dataset, ...]:
    return tuple(
        _dataset(raw, f"{key}[{index}]", side, dropped, schemas)
        for index, raw in enumerate(optional_objects(doc, key, error=ValidationError))
    )


def _dataset(
    raw: Mapping[str, Any], location: str, side: FacetSite | None, dropped: list[DroppedFacet],
    schemas: Schemas | None = None,
) -> Dataset:
    """One dataset; ``side`` is INPUT or OUTPUT in a run or job, ``None`` for a DatasetEvent."""
    namespace = required_string(raw, "namespace", f"{location}.", error=ValidationError)
    name = required_string(raw, "name", f"{location}.", error=ValidationError)
    modeled = dataset_facets(raw.get("facets"), location, dropped, schemas)
    io_facets: Mapping[str, str] = {}
    for site in (FacetSite.INPUT, FacetSite.OUTPUT):
        container = raw.get(site.value)
        if site is side:
            io_facets = plain_facets(container, f"{location}.{site.value}", site, dropped)
        elif container is not None:
            _drop_misplaced(container, f"{location}.{site.value}", side, dropped)
    return Dataset(
        namespace=namespace,
        name=name,
        fields=modeled.fields,
        column_lineage=modeled.column_lineage,
        symlinks=modeled.symlinks,
        facets=modeled.facets,
        io_facets=io_facets,
    )


def _drop_misplaced(
    container: object, location: str, side: FacetSite | None, dropped: list[DroppedFacet]
) -> None:
    """Report inputFacets on an output (and vice versa) or on a DatasetEvent's dataset."""
    if side is FacetSite.INPUT:
        reason = "not allowed on an input dataset"
    elif side is FacetSite.OUTPUT:
        reason = "not allowed on an output dataset"
    else:
        reason = "not allowed on the dataset of a DatasetEvent"
    names = [str(name) for name in container] if isinstance(container, Mapping) else [WHOLE_CONTAINER]
    dropped.extend(DroppedFacet(location, name, reason) for name in names)
