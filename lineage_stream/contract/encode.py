"""The one Avro encoder of a lineage event: the producer SDK, the benchmarks and the reliability
tooling all frame records here, so every record on the wire is built the same way."""

from __future__ import annotations

import io

import fastavro

from lineage_stream.contract.codec import event_to_record
from lineage_stream.contract.schemas import SchemaVersion, latest_schema
from lineage_stream.contract.wire import frame
from lineage_stream.model import LineageEvent


def avro_body(event: LineageEvent, schema: SchemaVersion | None = None) -> bytes:
    """The schemaless Avro encoding of ``event`` under ``schema`` (default: the latest), no header."""
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, (schema or latest_schema()).parsed, event_to_record(event))
    return buffer.getvalue()


def avro_value(event: LineageEvent, schema_id: int, schema: SchemaVersion | None = None) -> bytes:
    """``event`` as a Kafka record value: magic byte, the registry's schema ID, Avro body."""
    return frame(schema_id, avro_body(event, schema))
