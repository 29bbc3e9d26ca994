"""Writer schemas by ID from a Confluent-compatible schema registry, cached; errors classified.

What a registry failure means for the record in hand:

- the registry answers that the schema ID does not exist (HTTP 404, error code 40403): the record is
  bad; dead-letter it (``DecodeError``);
- the registry cannot be reached, times out or answers 5xx/408/429: pause and retry (``RetryableError``);
- it refuses our credentials (401/403): stop (``RegistryAuthError``);
- any other answer (a wrong URL's 404, a 400) or exception: a configuration problem or a bug; stop
  with the stack trace rather than retry forever.

The registry client comes with an HTTP and OAuth stack that took 75 ms to import and 30 ms to build,
a tenth of the worker's start-up: it is imported and built on a thread of its own from the moment
``RegistrySchemas`` is made, while the worker waits on Kafka and Neo4j. ``ready()`` and the first
lookup wait for it and raise what building it raised (the worker calls ``ready()`` right after its
first poll, so settings the client refuses stop it at start-up, with the first fetch under way).
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
from concurrent.futures import Future
from functools import cache
from typing import TYPE_CHECKING, Any, Mapping

import fastavro

from lineage_stream.adapters.tls_diagnosis import verify_message
from lineage_stream.errors import DecodeError, FatalError, RegistryAuthError, RegistryTlsError, RetryableError

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

_UNKNOWN_ID_TTL_S = 60.0
_SCHEMA_NOT_FOUND = 40403
_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@cache
def _transport_errors() -> tuple[type[Exception], ...]:
    """The HTTP library's "could not talk to the server" errors (confluent-kafka moved from httpx to httpx2).

    The registry client imported its library with itself: that one's errors are the ones it raises.
    Importing the other as well, where both are installed, cost the worker's start-up 38 ms (httpx
    brings its command line's click and rich)."""
    names = [name for name in ("httpx2", "httpx") if name in sys.modules] or ["httpx2", "httpx"]
    found: list[type[Exception]] = []
    for module in names:
        try:
            found.append(importlib.import_module(module).TransportError)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def _client_errors() -> tuple[type[Exception], ...]:
    """What the client raises: the registry's answers and the HTTP library's transport errors."""
    from confluent_kafka.schema_registry import SchemaRegistryError

    return (SchemaRegistryError, *_transport_errors())


def classify(error: Exception, doing: str) -> Exception:
    """The lineage-stream error for a registry client failure (the caller raises it ``from error``)."""
    from confluent_kafka.schema_registry import SchemaRegistryError

    if isinstance(error, _transport_errors()):  # connect refused, DNS, TLS handshake, timeouts
        why = verify_message(error)
        if why is not None:  # a certificate is refused: retrying cannot help
            advice = ("the host in registry.url is not a name the registry's certificate carries" if "mismatch" in why
                      else "the registry's certificate is not signed by a CA in registry.ssl_ca_location")
            return RegistryTlsError(f"TLS with the schema registry failed while {doing}: {advice} ({why})")
        return RetryableError(f"schema registry unreachable while {doing}: {type(error).__name__}")
    if isinstance(error, SchemaRegistryError):
        status = error.http_status_code
        if status in (401, 403):
            return RegistryAuthError(f"schema registry refused the credentials while {doing} (HTTP {status})")
        if status in _RETRYABLE_STATUS:
            return RetryableError(f"schema registry error while {doing}: HTTP {status} {error.error_message}")
        return FatalError(f"schema registry answered HTTP {status} (code {error.error_code}) while {doing}: "
                          f"{error.error_message}; check registry.url")
    return error


class RegistrySchemas:
    """Resolves schema IDs to parsed Avro writer schemas; a parsed schema is fetched once per ID."""

    def __init__(self, url: str, *, config: Mapping[str, Any] | None = None) -> None:
        """``config``: the client's settings (``basic.auth.user.info``, ``ssl.ca.location``...) over ``url``."""
        self._client_built: Future[SchemaRegistryClient] = Future()
        threading.Thread(target=self._build_client, args=({"url": url, **(config or {})},),
                         name="registry-client", daemon=True).start()
        self._parsed: dict[int, Any] = {}
        self._unknown_until: dict[int, float] = {}

    def _build_client(self, config: dict[str, Any]) -> None:
        try:
            from confluent_kafka.schema_registry import SchemaRegistryClient

            self._client_built.set_result(SchemaRegistryClient(config))
        except BaseException as error:  # raised to whoever uses the client
            self._client_built.set_exception(error)

    def ready(self) -> None:
        """Wait for the client; raises what building it raised (settings the client refuses)."""
        self._client_built.result()

    @property
    def _client(self) -> SchemaRegistryClient:
        return self._client_built.result()

    def writer_schema(self, schema_id: int) -> Any:
        """Raises:
        DecodeError: the registry does not know the ID, or the schema is not Avro.
        RetryableError: the registry cannot be reached.
        FatalError: the registry refuses our credentials, or answers something unexpected.
        """
        parsed = self._parsed.get(schema_id)
        if parsed is not None:
            return parsed
        if self._unknown_until.get(schema_id, 0.0) > time.monotonic():
            raise DecodeError(f"unknown schema ID {schema_id}")
        client = self._client
        try:
            schema = client.get_schema(schema_id)
        except _client_errors() as error:
            if getattr(error, "http_status_code", None) == 404 and getattr(error, "error_code", None) == _SCHEMA_NOT_FOUND:
                self._unknown_until[schema_id] = time.monotonic() + _UNKNOWN_ID_TTL_S
                raise DecodeError(f"unknown schema ID {schema_id}") from error
            raise classify(error, f"fetching schema ID {schema_id}") from error
        if schema.schema_type not in (None, "AVRO"):
            raise DecodeError(f"schema ID {schema_id} is {schema.schema_type}, not Avro")
        if not schema.schema_str:
            raise DecodeError(f"schema ID {schema_id} has no schema text")
        parsed = fastavro.parse_schema(json.loads(schema.schema_str))
        self._parsed[schema_id] = parsed
        return parsed

    def register(self, subject: str, schema_text: str) -> int:
        """Register (or look up) ``schema_text`` under ``subject`` and return its ID.

        Raises:
            RetryableError, RegistryAuthError, FatalError: as for ``writer_schema``.
        """
        from confluent_kafka.schema_registry import Schema

        client = self._client
        try:
            return int(client.register_schema(subject, Schema(schema_text, "AVRO")))
        except _client_errors() as error:
            raise classify(error, f"registering under {subject}") from error

    def is_compatible(self, subject: str, schema_text: str) -> bool:
        from confluent_kafka.schema_registry import Schema

        return bool(self._client.test_compatibility(subject, Schema(schema_text, "AVRO")))
