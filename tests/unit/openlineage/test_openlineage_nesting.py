"""The nesting check's fast path (byte operations on the brackets outside strings) against the exact
depth and against the regex scan it stands in front of: it may only pass what the scan passes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage_stream.openlineage.decode import JsonTextError, _depth_within, check_nesting

TRICKY_TEXT = st.text(alphabet='[]{}"\\ aé/u', max_size=12)  # brackets, quotes and escapes inside strings
values = st.recursive(
    st.none() | st.integers() | TRICKY_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TRICKY_TEXT, children, max_size=3),
    max_leaves=30,
)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def scan_passes(text: str, max_depth: int) -> bool:
    try:
        check_nesting(text, max_depth)
    except JsonTextError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(values, st.booleans())
def test_the_depth_of_any_json_is_measured_exactly(value: Any, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    exact = depth(value)
    assert _depth_within(data, exact)
    assert not _depth_within(data, exact - 1) or exact == 0


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet='[]{}"\\ a,:', max_size=40), st.integers(min_value=0, max_value=4))
def test_what_the_fast_path_passes_the_regex_scan_passes_too(text: str, max_depth: int) -> None:
    """Any text at all, JSON or not: a pass on the fast path is never a text the scan refuses."""
    if _depth_within(text.encode("utf-8"), max_depth):
        assert scan_passes(text, max_depth)


@pytest.mark.parametrize("text", ['"\\\\"', '"\\\\\\""', '["\\\\\\\\"]', '{"a": "]]]\\"[[["}'])
def test_escaped_backslashes_and_quotes_are_read_as_json_reads_them(text: str) -> None:
    json.loads(text)  # each is valid JSON
    assert _depth_within(text.encode(), 1) and scan_passes(text, 1)
