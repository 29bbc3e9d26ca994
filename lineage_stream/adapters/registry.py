"""Writer schemas by ID from a Confluent-compatible schema registry, cached; errors classified.

What a registry failure means for the record in hand:

- the registry answers that the schema ID does not exist (HTTP 404, error code 40403): the record is
  bad; dead-letter it (``DecodeError``);
- the registry cannot be reached, times out or answers 5xx/408/429: pause and retry (``RetryableError``);
- it refuses our credentials (401/403): stop (``RegistryAuthError``);
- any other answer (a wrong URL's 404, a 400) or exception: a configuration problem or a bug; stop
  with the stack trace rather than retry forever.

Looking a schema up is one ``GET /schemas/ids/{id}`` per schema ID the worker meets, made with the
standard library's HTTP client (basic authentication, a CA file, a client certificate: the settings
``RegistrySettings.client_config`` gives). Confluent's registry client, which registering a schema
still uses, brings an HTTP, OAuth and JOSE stack: 13.5 MiB of the worker's memory and 100-250 ms of
its start-up (measured after the worker's own imports), for those few requests.
"""

from __future__ import annotations

import base64
import http.client
import importlib
import json
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

import fastavro

from lineage_stream.adapters.tls_diagnosis import verify_message
from lineage_stream.errors import DecodeError, FatalError, RegistryAuthError, RegistryTlsError, RetryableError

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

_REFUSED_TTL_S = 60.0
_SCHEMA_NOT_FOUND = 40403
_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_LOOKUP_SETTINGS = frozenset({"url", "basic.auth.user.info", "ssl.ca.location", "ssl.certificate.location",
                              "ssl.key.location", "timeout"})
"""What the look-ups honour: the settings ``RegistrySettings.client_config`` gives, and a timeout."""


def _transport_errors() -> tuple[type[Exception], ...]:
    """The errors of "could not talk to the server": the standard library's (``URLError`` is an
    ``OSError``), and those of the HTTP library Confluent's client imported, if it was imported
    (confluent-kafka moved from httpx to httpx2; importing the other as well cost 38 ms). Only
    evaluated when an exception is being handled."""
    found: list[type[Exception]] = [OSError, http.client.HTTPException]
    for module in ("httpx2", "httpx"):
        if module in sys.modules:
            try:
                found.append(importlib.import_module(module).TransportError)
            except (ImportError, AttributeError):
                continue
    return tuple(found)


def _lookup_errors() -> tuple[type[Exception], ...]:
    """What a look-up raises: the registry's answers and the transport errors."""
    return (RegistryAnswer, *_transport_errors())


def _client_errors() -> tuple[type[Exception], ...]:
    """What Confluent's client raises: the registry's answers and the HTTP library's transport errors."""
    from confluent_kafka.schema_registry import SchemaRegistryError

    return (SchemaRegistryError, *_transport_errors())


class RegistryAnswer(Exception):
    """An HTTP answer other than 200 from the registry, with the registry's error code if it gave one."""

    def __init__(self, status: int, error_code: int | None, message: str) -> None:
        super().__init__(f"HTTP {status} (code {error_code}): {message}")
        self.http_status_code = status
        self.error_code = error_code
        self.error_message = message


def classify(error: Exception, doing: str) -> Exception:
    """The lineage-stream error for a registry failure (the caller raises it ``from error``)."""
    status = getattr(error, "http_status_code", None)  # a RegistryAnswer, or Confluent's SchemaRegistryError
    if status is None and isinstance(error, _transport_errors()):  # refused, DNS, TLS handshake, timeouts
        why = verify_message(getattr(error, "reason", None) if isinstance(error, urllib.error.URLError) else error)
        if why is not None:  # a certificate is refused: retrying cannot help
            advice = ("the host in registry.url is not a name the registry's certificate carries" if "mismatch" in why
                      else "the registry's certificate is not signed by a CA in registry.ssl_ca_location")
            return RegistryTlsError(f"TLS with the schema registry failed while {doing}: {advice} ({why})")
        return RetryableError(f"schema registry unreachable while {doing}: {type(error).__name__}")
    if isinstance(status, int):
        if status in (401, 403):
            return RegistryAuthError(f"schema registry refused the credentials while {doing} (HTTP {status})")
        if status in _RETRYABLE_STATUS:
            return RetryableError(f"schema registry error while {doing}: HTTP {status} {getattr(error, 'error_message', '')}")
        return FatalError(f"schema registry answered HTTP {status} (code {getattr(error, 'error_code', None)}) while "
                          f"{doing}: {getattr(error, 'error_message', '')}; check registry.url")
    return error


class _Lookups:
    """``GET`` requests to the registry's API root, as the settings say (authentication, TLS, timeout)."""

    def __init__(self, url: str, config: Mapping[str, Any]) -> None:
        unknown = sorted(set(config) - _LOOKUP_SETTINGS)
        if unknown:
            raise ValueError(f"schema registry settings not understood: {', '.join(unknown)}")
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"schema registry URL must be http:// or https:// with a host, not {parts.scheme}://")
        self._headers = {"Accept": "application/vnd.schemaregistry.v1+json, application/json"}
        userinfo = config.get("basic.auth.user.info")
        if userinfo is None and parts.username is not None:  # credentials in the URL, as Confluent's client takes them
            userinfo = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        if userinfo is not None:
            self._headers["Authorization"] = "Basic " + base64.b64encode(str(userinfo).encode()).decode("ascii")
        netloc = parts.netloc.rpartition("@")[2]  # without the credentials
        self._root = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        self._context: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self._context = ssl.create_default_context(cafile=config.get("ssl.ca.location"))
            if config.get("ssl.certificate.location"):
                self._context.load_cert_chain(config["ssl.certificate.location"], config.get("ssl.key.location"))
        self._timeout_s = float(config.get("timeout", 10.0))

    def get(self, path: str) -> Any:
        """The answer's JSON. Raises ``RegistryAnswer`` for a status other than 200; transport errors as raised."""
        request = urllib.request.Request(self._root + path, headers=self._headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s, context=self._context) as response:
                body = response.read()
        except urllib.error.HTTPError as answer:
            raise _answer(answer) from answer
        try:
            return json.loads(body)
        except ValueError:
            raise RegistryAnswer(200, None, "the answer is not JSON") from None


def _answer(answer: urllib.error.HTTPError) -> RegistryAnswer:
    try:
        body = json.loads(answer.read() or b"{}")
    except (ValueError, OSError):
        body = {}
    code = body.get("error_code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    return RegistryAnswer(answer.code, code if isinstance(code, int) else None, str(message or answer.reason))


class RegistrySchemas:
    """Resolves schema IDs to parsed Avro writer schemas; a parsed schema is fetched once per ID."""

    def __init__(self, url: str, *, config: Mapping[str, Any] | None = None) -> None:
        """``config``: the client's settings (``basic.auth.user.info``, ``ssl.ca.location``...) over ``url``."""
        self._url = url
        self._config = dict(config or {})
        self._parsed: dict[int, Any] = {}
        self._refused: dict[int, tuple[float, str]] = {}
        """Schema IDs the registry does not know, or whose schema is not Avro: (until when, why)."""

    @cached_property
    def _lookups(self) -> _Lookups:
        return _Lookups(self._url, self._config)

    @cached_property
    def _client(self) -> SchemaRegistryClient:
        """Confluent's client, for registering (imported at the first registration)."""
        from confluent_kafka.schema_registry import SchemaRegistryClient

        return SchemaRegistryClient({"url": self._url, **self._config})

    def validate_settings(self) -> None:
        """Raises ``ValueError`` for settings the look-ups cannot honour (they would fail every look-up)."""
        _ = self._lookups

    def writer_schema(self, schema_id: int) -> Any:
        """Raises:
        DecodeError: the registry does not know the ID, or the schema is not Avro.
        RetryableError: the registry cannot be reached.
        FatalError: the registry refuses our credentials, or answers something unexpected.
        """
        parsed = self._parsed.get(schema_id)
        if parsed is not None:
            return parsed
        refused = self._refused.get(schema_id)
        if refused is not None and refused[0] > time.monotonic():
            raise DecodeError(refused[1])
        try:
            answer = self._lookups.get(f"/schemas/ids/{schema_id}")
        except _lookup_errors() as error:
            if getattr(error, "http_status_code", None) == 404 and getattr(error, "error_code", None) == _SCHEMA_NOT_FOUND:
                raise self._refuse(schema_id, f"unknown schema ID {schema_id}") from error
            raise classify(error, f"fetching schema ID {schema_id}") from error
        if not isinstance(answer, dict):
            raise classify(RegistryAnswer(200, None, "the answer is not a schema"), f"fetching schema ID {schema_id}")
        schema_type, text = answer.get("schemaType"), answer.get("schema")
        if schema_type not in (None, "AVRO"):
            raise self._refuse(schema_id, f"schema ID {schema_id} is {schema_type}, not Avro")
        if not text or not isinstance(text, str):
            raise self._refuse(schema_id, f"schema ID {schema_id} has no schema text")
        try:
            parsed = fastavro.parse_schema(json.loads(text))
        except (ValueError, TypeError, KeyError, fastavro.schema.SchemaParseException) as error:
            raise self._refuse(schema_id, f"schema ID {schema_id} is not a valid Avro schema: {error}") from error
        self._parsed[schema_id] = parsed
        return parsed

    def _refuse(self, schema_id: int, why: str) -> DecodeError:
        """Its records are dead-lettered without asking again for a minute (a schema registered since is then found)."""
        self._refused[schema_id] = (time.monotonic() + _REFUSED_TTL_S, why)
        return DecodeError(why)

    def check(self) -> None:
        """One request to the registry (``GET /subjects``), for the health probe; raises as ``writer_schema``."""
        try:
            self._lookups.get("/subjects")
        except _lookup_errors() as error:
            raise classify(error, "listing subjects") from error

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
