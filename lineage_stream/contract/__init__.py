"""The Avro contract of a lineage event: schema versions, record codec, the encoder and wire framing."""

from __future__ import annotations

from lineage_stream.contract.codec import event_from_record, event_to_record
from lineage_stream.contract.encode import avro_body, avro_value
from lineage_stream.contract.schemas import SUBJECT, SchemaVersion, latest_schema, schema_versions
from lineage_stream.contract.wire import frame, unframe

__all__ = [
    "SUBJECT",
    "avro_body",
    "avro_value",
    "SchemaVersion",
    "event_from_record",
    "event_to_record",
    "frame",
    "latest_schema",
    "schema_versions",
    "unframe",
]
