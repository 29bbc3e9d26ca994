"""Writer schemas by ID from a Confluent-compatible schema registry, cached."""

from __future__ import annotations

import json
import time
from typing import Any

import fastavro
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, SchemaRegistryError

from lineage_stream.errors import DecodeError, RetryableError

_UNKNOWN_ID_TTL_S = 60.0


class RegistrySchemas:
    """Resolves schema IDs to parsed Avro writer schemas; a parsed schema is fetched once per ID."""

    def __init__(self, url: str) -> None:
        self._client = SchemaRegistryClient({"url": url})
        self._parsed: dict[int, Any] = {}
        self._unknown_until: dict[int, float] = {}

    def writer_schema(self, schema_id: int) -> Any:
        """Raises:
        DecodeError: the registry does not know the ID, or the schema is not Avro.
        RetryableError: the registry cannot be reached.
        """
        parsed = self._parsed.get(schema_id)
        if parsed is not None:
            return parsed
        if self._unknown_until.get(schema_id, 0.0) > time.monotonic():
            raise DecodeError(f"unknown schema ID {schema_id}")
        try:
            schema = self._client.get_schema(schema_id)
        except SchemaRegistryError as error:
            if error.http_status_code == 404:
                self._unknown_until[schema_id] = time.monotonic() + _UNKNOWN_ID_TTL_S
                raise DecodeError(f"unknown schema ID {schema_id}") from error
            raise RetryableError(f"schema registry error for ID {schema_id}: {error}") from error
        except Exception as error:  # the client raises plain HTTP errors when the registry is down
            raise RetryableError(f"schema registry unreachable for ID {schema_id}: {error}") from error
        if schema.schema_type not in (None, "AVRO"):
            raise DecodeError(f"schema ID {schema_id} is {schema.schema_type}, not Avro")
        if not schema.schema_str:
            raise DecodeError(f"schema ID {schema_id} has no schema text")
        parsed = fastavro.parse_schema(json.loads(schema.schema_str))
        self._parsed[schema_id] = parsed
        return parsed

    def register(self, subject: str, schema_text: str) -> int:
        """Register (or look up) ``schema_text`` under ``subject`` and return its ID."""
        return int(self._client.register_schema(subject, Schema(schema_text, "AVRO")))

    def is_compatible(self, subject: str, schema_text: str) -> bool:
        return bool(self._client.test_compatibility(subject, Schema(schema_text, "AVRO")))
