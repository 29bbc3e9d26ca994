"""OpenLineage events stored in files: for replays, backfills and the conformance suite.

- ``*.json``: one event object, or an array of event objects;
- ``*.jsonl``: one event object per line (JSON Lines, as one Kafka message per line); blank
  lines are skipped.

Files are UTF-8 (a leading byte-order mark is tolerated) and read with the same strict JSON
rules and nesting limit as Kafka records. Problems raise ``DecodeError`` (not JSON) or
``ValidationError`` (JSON, but not an object), with a ``path:line[:column]:`` prefix; the
documents before the problem have already been yielded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lineage_stream.errors import DecodeError, ValidationError
from lineage_stream.openlineage.decode import DEFAULT_MAX_DEPTH, JsonTextError, load_json_text
from lineage_stream.openlineage.shapes import json_type_name

_BOM = "\ufeff"
_WHITESPACE_AND_COMMA = frozenset(" \t\r\n,")


def read_openlineage_documents(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the event documents of a ``.json`` or ``.jsonl`` file, in file order."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _json_lines(path)
    elif suffix == ".json":
        yield from _json_document(path)
    else:
        raise DecodeError(f"{path}: unsupported file type {suffix!r}, expected .json or .jsonl")


def _decode_utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise DecodeError(f"{where}: not UTF-8: {problem.reason} at byte {problem.start}") from None


def _load(text: str, where: str, line_offset: int, max_depth: int) -> Any:
    """Parse ``text``, whose first line is line ``line_offset + 1`` of the file."""
    try:
        return load_json_text(text, max_depth=max_depth)
    except JsonTextError as problem:
        position = problem.position(text)
        at = f":{position[0] + line_offset}:{position[1]}" if position else ""
        raise DecodeError(f"{where}{at}: not valid JSON: {problem.reason}") from None


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            text = _decode_utf8(raw, f"{path}:{number}")
            if number == 1:
                text = text.removeprefix(_BOM)
            if not text.strip():
                continue
            doc = _load(text, str(path), number - 1, DEFAULT_MAX_DEPTH)
            if not isinstance(doc, dict):
                raise ValidationError(f"{path}:{number}: expected a JSON object, got {json_type_name(doc)}")
            yield doc


def _json_document(path: Path) -> Iterator[dict[str, Any]]:
    text = _decode_utf8(path.read_bytes(), str(path)).removeprefix(_BOM)
    # One level more than a record allows, for the array that holds the events.
    doc = _load(text, str(path), 0, DEFAULT_MAX_DEPTH + 1)
    if isinstance(doc, dict):
        yield doc
        return
    if not isinstance(doc, list):
        expected = "expected a JSON object or an array of objects"
        raise ValidationError(f"{path}:1: {expected}, got {json_type_name(doc)}")
    for index, element in enumerate(doc):
        if not isinstance(element, dict):
            line = text.count("\n", 0, _element_offset(text, index)) + 1
            found = f"array element {index} is a JSON {json_type_name(element)}"
            raise ValidationError(f"{path}:{line}: {found}, expected an object")
        yield element


def _element_offset(text: str, index: int) -> int:
    """Where element ``index`` of the top-level array in ``text`` (already valid JSON) starts."""
    decoder = json.JSONDecoder()
    offset = text.index("[") + 1
    for _ in range(index):
        offset = _skip(text, offset)
        _, offset = decoder.raw_decode(text, offset)
    return _skip(text, offset)


def _skip(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in _WHITESPACE_AND_COMMA:
        offset += 1
    return offset
