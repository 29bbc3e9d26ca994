"""Megabyte-sized hostile strings must be processed, correctly, in linear time.

This is a correctness guard, not a benchmark: the time bound is far above
what linear scanning needs (about a second per case on a 2-core machine) and
far below what catastrophic backtracking would take (hours).
"""

from __future__ import annotations

import time

import pytest

from lineage_stream.redaction import ALL_ENTITY_TYPES, redact_json, redact_text

ONE_MEGABYTE = 1_000_000
GENEROUS_SECONDS = 30.0


def _repeat(unit: str) -> str:
    return unit * (ONE_MEGABYTE // len(unit))


UNCHANGED_INPUTS: dict[str, str] = {
    "letters": "a" * ONE_MEGABYTE,
    "at signs": "@" * ONE_MEGABYTE,
    "digits": "1" * ONE_MEGABYTE,
    "colons": ":" * ONE_MEGABYTE,
    "spaced digits": _repeat("1 "),
    "parenthesised digits": _repeat("(1)"),
    "dotted numbers": _repeat("999."),
    "hex and colons": _repeat("f:"),
    "local parts": _repeat("a@"),
    "unterminated url": "http://" + "a" * ONE_MEGABYTE,
    "scheme separators": _repeat("://a"),
    "dashed words": _repeat("aa-"),
    "jwt prefixes": _repeat("eyJ"),
    "iban-like groups": _repeat("AB12 "),
}


@pytest.mark.parametrize("name", sorted(UNCHANGED_INPUTS))
def test_hostile_text_without_pii_is_returned_unchanged(name: str) -> None:
    text = UNCHANGED_INPUTS[name]
    started = time.perf_counter()

    redacted = redact_text(text, ALL_ENTITY_TYPES)

    assert time.perf_counter() - started < GENEROUS_SECONDS
    assert redacted == text


def test_megabyte_of_dense_pii_is_fully_redacted() -> None:
    text = _repeat("10.0.0.1 a@b.io ")
    started = time.perf_counter()

    redacted = redact_text(text, ALL_ENTITY_TYPES)

    assert time.perf_counter() - started < GENEROUS_SECONDS
    assert redacted == "<IP_ADDRESS> <EMAIL_ADDRESS> " * (ONE_MEGABYTE // 16)


def test_megabyte_of_credential_keywords_is_handled() -> None:
    text = _repeat("password ")
    started = time.perf_counter()

    redacted, count = redact_json({"message": text})

    assert time.perf_counter() - started < GENEROUS_SECONDS
    assert isinstance(redacted, dict)
    # "password password" reads the second keyword as the first one's value.
    assert count == ONE_MEGABYTE // len("password ") // 2
    assert "password <CREDENTIALS>" in redacted["message"]
