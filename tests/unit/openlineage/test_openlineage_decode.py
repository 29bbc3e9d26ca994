"""decode_openlineage_json on hostile input: every case is a typed error, and a quick one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lineage_stream.errors import DecodeError, ValidationError
from lineage_stream.model import EventKind
from lineage_stream.openlineage import decode_openlineage_json

QUICK_SECONDS = 2.0

EVENT: dict[str, Any] = {
    "eventType": "START",
    "eventTime": "2024-07-05T09:04:13.979349Z",
    "producer": "https://example.com/p",
    "run": {"runId": "01908223-0782-79b8-9495-b1c38aaee839"},
    "job": {"namespace": "airflow", "name": "mydag"},
}


def encoded(doc: Any) -> bytes:
    return json.dumps(doc).encode("utf-8")


def nested_facet(depth: int) -> dict[str, Any]:
    """An event whose custom run facet nests ``depth`` levels below the top-level object."""
    value: Any = "bottom"
    for _ in range(depth - 4):  # event → run → facets → custom → ...
        value = [value]
    return {**EVENT, "run": {**EVENT["run"], "facets": {"custom": {"deep": value}}}}


@pytest.fixture
def quickly() -> Iterator[Callable[[], None]]:
    started = time.perf_counter()
    yield lambda: None
    assert time.perf_counter() - started < QUICK_SECONDS


def test_valid_event() -> None:
    parsed = decode_openlineage_json(encoded(EVENT))
    assert parsed.event.kind is EventKind.RUN and parsed.dropped_facets == ()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "record value is empty"),
        (b"", "record value is empty"),
        (b"   ", "not valid JSON: Expecting value at line 1 column 4"),
        (b"\xff\xfe{}", "not UTF-8: invalid start byte at byte 0"),
        (b'{"a": "\xc3\x28"}', "not UTF-8: invalid continuation byte at byte 7"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),  # a UTF-8-encoded surrogate
        (b'{"a": 1} {"b": 2}', "not valid JSON: Extra data at line 1 column 10"),
        (b'{"a": 1}\x00', "not valid JSON: Extra data"),
        (b'{"a": 1', "not valid JSON: Expecting ',' delimiter"),
        (b'{"a": "unterminated', "not valid JSON: unterminated string at line 1 column 7"),
        (b'{"a": NaN}', "not valid JSON: NaN is not a JSON number"),
        (b'{"a": -Infinity}', "not valid JSON: -Infinity is not a JSON number"),
        (b'{"a": "\\ud800"}', "lone UTF-16 surrogate"),
        (b'{"a": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"[]", "record value is a JSON array, expected an object"),
        (b'"event"', "record value is a JSON string, expected an object"),
        (b"null", "record value is a JSON null, expected an object"),
        (b"\xef\xbb\xbf{}", "not valid JSON: Unexpected UTF-8 BOM"),
    ],
)
def test_undecodable_values(value: bytes | None, reason: str, quickly: Callable[[], None]) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_openlineage_json(value)
    assert reason in caught.value.reason
    assert caught.value.stage == "decode"


def test_one_megabyte_of_open_brackets(quickly: Callable[[], None]) -> None:
    with pytest.raises(DecodeError, match="nesting deeper than 64 levels at line 1 column 65"):
        decode_openlineage_json(b"[" * 1_048_576)


def test_one_megabyte_of_open_braces_inside_an_object(quickly: Callable[[], None]) -> None:
    with pytest.raises(DecodeError, match="nesting deeper than 64"):
        decode_openlineage_json(b'{"a":' * 300_000)


def test_one_megabyte_of_escaped_quotes_in_an_unterminated_string(quickly: Callable[[], None]) -> None:
    with pytest.raises(DecodeError, match="unterminated string"):
        decode_openlineage_json(b'{"a": "' + b'\\"' * 500_000)


def test_five_megabyte_payload(quickly: Callable[[], None]) -> None:
    doc = {**EVENT, "run": {**EVENT["run"], "facets": {"big": {"blob": "x" * 5_000_000}}}}
    with pytest.raises(DecodeError, match=r"record value is \d+ bytes, over the limit of 4194304"):
        decode_openlineage_json(encoded(doc))


def test_size_limit_is_configurable() -> None:
    value = encoded(EVENT)
    decode_openlineage_json(value, max_bytes=len(value))
    with pytest.raises(DecodeError, match="over the limit"):
        decode_openlineage_json(value, max_bytes=len(value) - 1)


def test_deeply_nested_facet(quickly: Callable[[], None]) -> None:
    # Built as text: json.dumps itself cannot write 100 000 levels.
    facet = b'{"custom": {"deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    value = encoded({**EVENT, "run": {**EVENT["run"], "facets": "FACETS"}}).replace(b'"FACETS"', facet)
    with pytest.raises(DecodeError, match="nesting deeper than 64 levels at line 1 column"):
        decode_openlineage_json(value)


def test_nesting_limit_is_exact() -> None:
    parsed = decode_openlineage_json(encoded(nested_facet(64)))
    assert parsed.event.run is not None and "custom" in parsed.event.run.facets
    with pytest.raises(DecodeError, match="nesting deeper than 64"):
        decode_openlineage_json(encoded(nested_facet(65)))
    decode_openlineage_json(encoded(nested_facet(65)), max_depth=65)


def test_brackets_inside_strings_do_not_count(quickly: Callable[[], None]) -> None:
    tricky = '[{"' * 100_000 + '\\" \\\\'
    doc = {**EVENT, "job": {**EVENT["job"], "facets": {"sql": {"query": tricky}}}}
    parsed = decode_openlineage_json(encoded(doc))
    assert parsed.event.job is not None
    assert json.loads(parsed.event.job.facets["sql"])["query"] == tricky


def test_escaped_surrogate_pairs_are_fine() -> None:
    doc = {**EVENT, "job": {"namespace": "n", "name": "buggy_task🕷"}}
    parsed = decode_openlineage_json(json.dumps(doc, ensure_ascii=True).encode("ascii"))
    assert parsed.event.job is not None and parsed.event.job.name == "buggy_task🕷"


def test_invalid_event_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="run.runId is missing"):
        decode_openlineage_json(encoded({**EVENT, "run": {}}))
