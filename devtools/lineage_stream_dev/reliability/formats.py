"""Events as they travel: Confluent-framed Avro bytes, and OpenLineage JSON documents.

``to_openlineage`` writes an event as the OpenLineage clients' Kafka transport would, and returns
the event the worker must decode from it: the same content, with the event ID the worker derives
(SHA-256 of the canonical JSON, see ``lineage_stream.openlineage.event_id``) and the schema URL.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from lineage_stream.contract import avro_body, avro_value
from lineage_stream.model import Dataset, EventKind, LineageEvent, SchemaField
from lineage_stream.openlineage import derive_event_id
from lineage_stream.producer import record_key

__all__ = ["avro_body", "avro_value", "openlineage_document", "record_key", "to_openlineage"]

SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_FACET_BASE = {"_producer": "https://github.com/lineage-stream/reliability", "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/x.json"}




def _iso(at_us: int) -> str:
    seconds, micros = divmod(at_us, 1_000_000)
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{micros:06d}Z"


def _facets(texts: Any) -> dict[str, Any]:
    return {name: json.loads(text) for name, text in texts.items()}


def _schema_field(f: SchemaField) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name}
    if f.type is not None:
        out["type"] = f.type
    if f.description is not None:
        out["description"] = f.description
    if f.fields:
        out["fields"] = [_schema_field(child) for child in f.fields]
    return out


def _dataset(d: Dataset, side: str | None) -> dict[str, Any]:
    facets = _facets(d.facets)
    if d.fields is not None:
        facets["schema"] = {**_FACET_BASE, "fields": [_schema_field(f) for f in d.fields]}
    if d.column_lineage:
        fields: dict[str, Any] = {}
        for lineage in d.column_lineage:
            inputs = []
            for i in lineage.inputs:
                transformations = []
                for t in i.transformations:
                    entry: dict[str, Any] = {"type": t.type, "masking": t.masking}
                    if t.subtype is not None:
                        entry["subtype"] = t.subtype
                    if t.description is not None:
                        entry["description"] = t.description
                    transformations.append(entry)
                inputs.append({"namespace": i.namespace, "name": i.name, "field": i.field,
                               "transformations": transformations})
            fields[lineage.output_field] = {"inputFields": inputs}
        facets["columnLineage"] = {**_FACET_BASE, "fields": fields}
    if d.symlinks:
        facets["symlinks"] = {**_FACET_BASE, "identifiers": [
            {"namespace": s.namespace, "name": s.name, "type": s.type} for s in d.symlinks]}
    out: dict[str, Any] = {"namespace": d.namespace, "name": d.name}
    if facets:
        out["facets"] = facets
    if side is not None and d.io_facets:
        out[side] = _facets(d.io_facets)
    return out


def openlineage_document(event: LineageEvent) -> dict[str, Any]:
    """``event`` as an OpenLineage JSON document (RunEvent, DatasetEvent or JobEvent)."""
    doc: dict[str, Any] = {"eventTime": _iso(event.event_time_us), "producer": event.producer, "schemaURL": SCHEMA_URL}
    if event.kind is EventKind.DATASET:
        assert event.dataset is not None
        doc["dataset"] = _dataset(event.dataset, None)
        return doc
    assert event.job is not None
    if event.kind is EventKind.RUN:
        assert event.run is not None and event.event_type is not None
        doc["eventType"] = event.event_type.value
        run_facets = _facets(event.run.facets)
        if event.run.parent is not None:
            p = event.run.parent
            run_facets["parent"] = {**_FACET_BASE, "run": {"runId": p.run_id},
                                    "job": {"namespace": p.job_namespace, "name": p.job_name}}
        doc["run"] = {"runId": event.run.run_id, **({"facets": run_facets} if run_facets else {})}
    doc["job"] = {"namespace": event.job.namespace, "name": event.job.name,
                  **({"facets": _facets(event.job.facets)} if event.job.facets else {})}
    doc["inputs"] = [_dataset(d, "inputFacets") for d in event.inputs]
    doc["outputs"] = [_dataset(d, "outputFacets") for d in event.outputs]
    return doc


def to_openlineage(event: LineageEvent) -> tuple[bytes, LineageEvent]:
    """The JSON record value for ``event``, and the event the worker decodes from it."""
    doc = openlineage_document(event)
    value = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    return value, replace(event, event_id=derive_event_id(doc), schema_url=SCHEMA_URL)
