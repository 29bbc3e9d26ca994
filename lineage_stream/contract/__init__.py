"""The Avro contract of a lineage event: schema versions, record codec and wire framing."""

from __future__ import annotations

from lineage_stream.contract.codec import event_from_record, event_to_record
from lineage_stream.contract.schemas import SUBJECT, SchemaVersion, latest_schema, schema_versions
from lineage_stream.contract.wire import frame, unframe

__all__ = [
    "SUBJECT",
    "SchemaVersion",
    "event_from_record",
    "event_to_record",
    "frame",
    "latest_schema",
    "schema_versions",
    "unframe",
]
