"""Bytes from Kafka → ``LineageEvent``: Confluent-framed Avro, or OpenLineage JSON.

Everything that can go wrong with untrusted bytes becomes one ``DecodeError`` (or
``ValidationError``) that keeps its cause, so the record is dead-lettered with a reason.
"""

from __future__ import annotations

import io
import json
from typing import Any, Callable, Protocol

import fastavro

from lineage_stream.contract import event_from_record, unframe
from lineage_stream.contract.codec import Schemas
from lineage_stream.contract.schemas import SchemaVersion
from lineage_stream.errors import DecodeError, RejectedRecord, ValidationError
from lineage_stream.model import LineageEvent
from lineage_stream.openlineage import DroppedFacet, decode_openlineage_json
from lineage_stream.pipeline.validate import validate_event

Clock = Callable[[], int]


class WriterSchemas(Protocol):
    def writer_schema(self, schema_id: int) -> Any:
        """The parsed writer schema of ``schema_id``; raises DecodeError when unknown."""


class AvroDecoder:
    """Decodes Confluent-framed Avro written with any registered version into the reader's version."""

    def __init__(self, schemas: WriterSchemas, reader: SchemaVersion, *, max_bytes: int, clock_us: Clock) -> None:
        self._schemas = schemas
        self._reader = reader
        self._max_bytes = max_bytes
        self._clock_us = clock_us
        self._plans: dict[int, tuple[Any, Any, Any, bool]] = {}
        """Per schema ID decoded here: (schema to read with, reader schema or None, the writer schema,
        whether the writer's first field is the string ``event_id``)."""
        self._schemas_built = Schemas()

    def _plan(self, schema_id: int, writer: Any) -> tuple[Any, Any]:
        """(schema to read with, reader schema or None), once per schema ID.

        A record written with the reader's own schema needs no schema resolution, and its timestamps
        need no trip through ``datetime``: it is read with the Parsing Canonical Form (no logical types)
        and no reader schema, which is about twice as fast. Any other writer is resolved as usual.
        """
        plan = self._plans.get(schema_id)
        if plan is None or plan[2] is not writer:
            if writer == self._reader.parsed:
                bare = fastavro.parse_schema(json.loads(fastavro.schema.to_parsing_canonical_form(writer)))
                plan = (bare, None, writer, _leads_with_event_id(writer))
            else:
                plan = (writer, self._reader.parsed, writer, _leads_with_event_id(writer))
            self._plans[schema_id] = plan
        return plan[0], plan[1]

    def event_id(self, value: bytes | None) -> str | None:
        """The record's event ID, read from its first bytes without decoding the rest; or None.

        None unless the value is framed, its schema ID was decoded here before (no registry call) and
        that writer schema starts with the string field ``event_id``, and the ID is valid UTF-8 within
        the body. A record it names may still be malformed further on: only a record whose ID is
        already held as applied may be passed over on this alone.
        """
        if value is None or len(value) < 6 or value[0] != 0 or len(value) > self._max_bytes:
            return None
        plan = self._plans.get(int.from_bytes(value[1:5], "big"))
        if plan is None or not plan[3]:
            return None
        return _leading_string(value, 5)

    def __call__(self, value: bytes | None) -> LineageEvent:
        """Raises:
        DecodeError: oversized, not framed, unknown schema ID, truncated or trailing bytes, bad Avro.
        ValidationError: the record decoded but breaks the contract (blank IDs, missing run or job).
        RetryableError: the registry could not be reached to resolve the schema ID.
        """
        if value is not None and len(value) > self._max_bytes:
            raise DecodeError(f"message of {len(value)} bytes exceeds the {self._max_bytes}-byte limit")
        schema_id, body = unframe(value)
        read_with, reader = self._plan(schema_id, self._schemas.writer_schema(schema_id))
        stream = io.BytesIO(body)
        try:
            record = fastavro.schemaless_reader(stream, read_with, reader)
        except RejectedRecord:
            raise
        except OverflowError as error:
            raise DecodeError(f"a timestamp out of range for schema ID {schema_id} (nanoseconds where "
                              f"microseconds belong?): {error}") from error
        except Exception as error:  # fastavro raises EOFError, ValueError, IndexError, UnicodeDecodeError, ...
            raise DecodeError(f"invalid Avro for schema ID {schema_id}: {type(error).__name__}: {error}") from error
        if stream.tell() != len(body):
            raise DecodeError(f"{len(body) - stream.tell()} trailing bytes after the Avro record")
        try:
            event = event_from_record(record, self._schemas_built)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError(f"record does not fit the contract: {error}") from error
        return validate_event(event, self._clock_us())


def _leads_with_event_id(writer: Any) -> bool:
    fields = writer.get("fields") if isinstance(writer, dict) else None
    if not fields:
        return False
    first = fields[0]
    kind = first.get("type")
    plain = kind == "string" or (isinstance(kind, dict) and kind.get("type") == "string" and not kind.get("logicalType"))
    return first.get("name") == "event_id" and plain


def _leading_string(value: bytes, at: int) -> str | None:
    """The Avro string at ``value[at:]`` (a zig-zag varint length, then UTF-8), or None if it is not one."""
    raw = shift = 0
    end = min(len(value), at + 10)
    while at < end:
        byte = value[at]
        at += 1
        raw |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
    else:
        return None
    length = (raw >> 1) ^ -(raw & 1)
    if length < 0 or at + length > len(value):
        return None
    try:
        return value[at:at + length].decode("utf-8")
    except UnicodeDecodeError:
        return None


class OpenLineageJsonDecoder:
    """Decodes OpenLineage JSON as written by the OpenLineage clients' Kafka transport."""

    def __init__(self, *, max_bytes: int, clock_us: Clock,
                 on_dropped_facet: Callable[[DroppedFacet], None] = lambda _facet: None) -> None:
        self._max_bytes = max_bytes
        self._clock_us = clock_us
        self._on_dropped_facet = on_dropped_facet
        self._schemas = Schemas()

    def __call__(self, value: bytes | None) -> LineageEvent:
        """Raises:
        DecodeError: oversized, not UTF-8, not JSON, too deeply nested.
        ValidationError: the JSON breaks the OpenLineage spec in a way we cannot ingest.
        """
        parsed = decode_openlineage_json(value, max_bytes=self._max_bytes, schemas=self._schemas)
        event = validate_event(parsed.event, self._clock_us())
        for dropped in parsed.dropped_facets:
            self._on_dropped_facet(dropped)
        return event
