"""Schema look-ups against a stand-in registry on a local port: what is sent (the path, basic
authentication from the settings or the URL) and what each answer becomes. The real registry's
answers are in tests/integration/test_failure_classes.py; TLS refusals in tests/integration/security."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lineage_stream.adapters.health import registry_probe
from lineage_stream.adapters.registry import RegistrySchemas
from lineage_stream.errors import DecodeError, FatalError, RegistryAuthError, RetryableError

AVRO = json.dumps({"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]})
ANSWERS: dict[str, tuple[int, object]] = {
    "/api/schemas/ids/1": (200, {"schema": AVRO}),
    "/api/schemas/ids/2": (200, {"schema": "{}", "schemaType": "PROTOBUF"}),
    "/api/schemas/ids/3": (200, {"schema": "not json"}),
    "/api/schemas/ids/4": (404, {"error_code": 40403, "message": "Schema 4 not found"}),
    "/api/schemas/ids/5": (503, {"error_code": 50003, "message": "busy"}),
    "/api/schemas/ids/6": (401, {"error_code": 40101, "message": "unauthorized"}),
    "/api/schemas/ids/7": (200, "<html>a web page</html>"),
    "/api/subjects": (200, ["lineage-value"]),
}


class _Registry(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        _Registry.seen.append((self.path, self.headers.get("Authorization")))
        status, body = ANSWERS.get(self.path, (404, {"error_code": 404, "message": "HTTP 404 Not Found"}))
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    server.shutdown()


@pytest.fixture(autouse=True)
def _fresh() -> None:
    _Registry.seen.clear()


def test_a_schema_is_fetched_once_and_parsed(url):
    schemas = RegistrySchemas(url, config={"basic.auth.user.info": "reader:s3cret"})
    parsed = schemas.writer_schema(1)
    assert parsed["name"] == "E" and schemas.writer_schema(1) is parsed
    assert _Registry.seen == [("/api/schemas/ids/1", "Basic cmVhZGVyOnMzY3JldA==")]


def test_credentials_in_the_url_are_sent_as_basic_authentication(url):
    RegistrySchemas(url.replace("http://", "http://reader:s3cret@")).writer_schema(1)
    assert _Registry.seen == [("/api/schemas/ids/1", "Basic cmVhZGVyOnMzY3JldA==")]


def test_an_unknown_id_or_a_schema_that_is_not_avro_dead_letters_its_records_without_asking_again(url):
    schemas = RegistrySchemas(url)
    for schema_id, reason in ((4, "unknown schema ID 4"), (2, "is PROTOBUF, not Avro"), (3, "not a valid Avro schema")):
        for _ in range(2):
            with pytest.raises(DecodeError, match=reason):
                schemas.writer_schema(schema_id)
    assert [path for path, _auth in _Registry.seen] == ["/api/schemas/ids/4", "/api/schemas/ids/2", "/api/schemas/ids/3"]


@pytest.mark.parametrize("schema_id,expected,text", [
    (5, RetryableError, "HTTP 503 busy"),
    (6, RegistryAuthError, "refused the credentials"),
    (7, FatalError, "check registry.url"),  # a web page where the API should be
    (99, FatalError, "HTTP 404"),  # a 404 without the registry's code: the URL is wrong
])
def test_other_answers_are_classified_by_what_happens_next(url, schema_id, expected, text):
    with pytest.raises(expected, match=text):
        RegistrySchemas(url).writer_schema(schema_id)


def test_an_unreachable_registry_is_retried():
    with pytest.raises(RetryableError, match="unreachable"):
        RegistrySchemas("http://127.0.0.1:9").writer_schema(1)


def test_settings_the_lookups_cannot_honour_are_refused_at_once():
    with pytest.raises(ValueError, match="not understood: bearer.auth.token"):
        RegistrySchemas("http://127.0.0.1:9", config={"bearer.auth.token": "t"}).validate_settings()
    with pytest.raises(ValueError, match="http:// or https://"):
        RegistrySchemas("ftp://registry").validate_settings()


def test_the_health_probe_lists_subjects(url):
    registry_probe(url, {})()
    assert _Registry.seen == [("/api/subjects", None)]
    with pytest.raises(RetryableError):
        registry_probe("http://127.0.0.1:9", {})()
