"""derive_event_id: the same content always gets the same ID, any other content another one."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest

from lineage_stream.errors import ValidationError
from lineage_stream.openlineage import decode_openlineage_json, derive_event_id

EVENT: dict[str, Any] = {
    "eventType": "START",
    "eventTime": "2024-07-05T09:04:13.979349+00:00",
    "producer": "https://example.com/p",
    "run": {"runId": "01908223-0782-79b8-9495-b1c38aaee839", "facets": {"custom": {"x": [1, 2.5, None, True]}}},
    "job": {"namespace": "airflow", "name": "mydag.étape_🕷"},
}


def test_golden_value() -> None:
    # sha256(b'{"a":1}') = 015abd7f5cc57a2dd94b7590f04ad808...; version nibble -> 8, variant -> 10xx.
    assert derive_event_id({"a": 1}) == "015abd7f-5cc5-8a2d-994b-7590f04ad808"


def test_is_the_digest_of_the_canonical_json_as_a_uuidv8() -> None:
    canonical = json.dumps(EVENT, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    digest = hashlib.sha256(canonical).digest()
    event_id = uuid.UUID(derive_event_id(EVENT))
    assert event_id.version == 8
    assert event_id.variant == uuid.RFC_4122
    masked = bytearray(event_id.bytes)
    assert masked[6] & 0x0F == digest[6] & 0x0F and masked[8] & 0x3F == digest[8] & 0x3F
    masked[6], masked[8] = digest[6], digest[8]
    assert bytes(masked) == digest[:16]
    assert str(event_id) == derive_event_id(EVENT)


def test_key_order_does_not_matter() -> None:
    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: reverse(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(item) for item in value]
        return value

    reordered = reverse(EVENT)
    assert list(reordered) != list(EVENT)
    assert derive_event_id(reordered) == derive_event_id(EVENT)


def test_whitespace_and_escapes_do_not_matter() -> None:
    compact = json.dumps(EVENT, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    pretty = json.dumps(EVENT, indent=4, ensure_ascii=True).encode("ascii")
    assert compact != pretty
    first = decode_openlineage_json(compact).event.event_id
    assert decode_openlineage_json(pretty).event.event_id == first == derive_event_id(EVENT)


@pytest.mark.parametrize(
    "change",
    [
        {"eventTime": "2024-07-05T09:04:13.979350+00:00"},
        {"eventType": "COMPLETE"},
        {"run": {**EVENT["run"], "facets": {"custom": {"x": [1, 2.5, None, False]}}}},
        {"run": {**EVENT["run"], "facets": {"custom": {"x": [1.0, 2.5, None, True]}}}},
        {"inputs": []},
    ],
)
def test_any_change_of_content_gives_a_new_id(change: dict[str, Any]) -> None:
    assert derive_event_id({**EVENT, **change}) != derive_event_id(EVENT)


def test_not_json_content_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="canonical JSON"):
        derive_event_id({"x": float("nan")})
    with pytest.raises(ValidationError, match="surrogate"):
        derive_event_id({"x": "\ud800"})
