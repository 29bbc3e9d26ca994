"""Kafka record value → ``ParsedEvent``, for the plain JSON the OpenLineage Kafka transport writes.

The bytes are untrusted, so every check that bounds work comes before ``json.loads``: the
size, strict UTF-8, and the nesting depth, so that a megabyte of ``[[[[`` is refused instead of
exhausting the parser's stack. The depth is measured on the brackets outside strings, found with
byte operations that run at C speed (13 us for a 3.3 KB event, where a regex scan with a Python
step per token took 97 us, six times ``json.loads``); only a text that this finds too deep or
unbalanced is scanned again by the regex, to say where (a megabyte of ``[[[[`` is refused at its
65th character). JSON is read strictly: no ``NaN`` / ``Infinity``, nothing after the value, and no
lone UTF-16 surrogates (``"\\ud800"``), which no later stage could encode.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lineage_stream.contract.codec import Schemas
from lineage_stream.errors import DecodeError
from lineage_stream.openlineage.parse import ParsedEvent, parse_openlineage
from lineage_stream.openlineage.shapes import json_type_name

DEFAULT_MAX_BYTES = 4_194_304
DEFAULT_MAX_DEPTH = 64

# A whole string literal (escapes included; group 1 is its closing quote, absent when the
# text ends inside the string) or one bracket. Unrolled so it runs in linear time.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(")?|[\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonTextError(Exception):
    """Text that is not acceptable JSON; ``offset`` is where, when known."""

    def __init__(self, reason: str, offset: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset

    def position(self, text: str) -> tuple[int, int] | None:
        """The 1-based line and column of ``offset`` in ``text``, when known."""
        if self.offset is None:
            return None
        line = text.count("\n", 0, self.offset) + 1
        column = self.offset - (text.rfind("\n", 0, self.offset) + 1) + 1
        return line, column


def check_nesting(text: str, max_depth: int) -> None:
    """Raise ``JsonTextError`` if arrays/objects nest deeper than ``max_depth`` (or a string
    never ends); brackets inside strings do not count. Mismatched brackets are left to the
    JSON parser."""
    if _depth_within(text.encode("utf-8", "surrogatepass"), max_depth):
        return
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text):
        opener = token.group()[0]
        if opener == '"':
            if token.group(1) is None:
                raise JsonTextError("unterminated string", token.start())
        elif opener in "[{":
            depth += 1
            if depth > max_depth:
                raise JsonTextError(f"nesting deeper than {max_depth} levels", token.start())
        else:
            depth -= 1


_ALL_BUT_QUOTES_AND_BRACKETS = bytes(b for b in range(256) if b not in b'"[]{}')


def _depth_within(data: bytes, max_depth: int) -> bool:
    """True if ``data`` is balanced outside its strings and nests at most ``max_depth`` deep; False
    for anything else (too deep, unbalanced, a string that never ends), which the regex scan then
    judges. In UTF-8 these six ASCII bytes never occur inside another character."""
    if b"\\" in data:  # escaped backslashes first, as JSON reads them (left to right), then escaped quotes
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    parts = data.translate(None, _ALL_BUT_QUOTES_AND_BRACKETS).split(b'"')
    if len(parts) % 2 == 0:  # an odd number of quotes: a string never ends
        return False
    brackets = b"".join(parts[::2]).replace(b"{", b"[").replace(b"}", b"]")  # outside strings
    for _level in range(max_depth):
        if not brackets:
            return True
        innermost_gone = brackets.replace(b"[]", b"")  # each pass opens one level fewer
        if len(innermost_gone) == len(brackets):
            return False
        brackets = innermost_gone
    return not brackets


def _reject_constant(name: str) -> Any:
    raise JsonTextError(f"{name} is not a JSON number")


def load_json_text(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Strict ``json.loads`` behind the nesting check; raises ``JsonTextError``."""
    check_nesting(text, max_depth)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as problem:
        raise JsonTextError(problem.msg, problem.pos) from None
    except ValueError as problem:  # e.g. an integer longer than Python's digit limit
        raise JsonTextError(str(problem)) from None
    except RecursionError:  # not reached behind the nesting check; kept so that it can never crash
        raise JsonTextError(f"nesting deeper than {max_depth} levels") from None
    if _SURROGATE_ESCAPE.search(text) is not None:
        # Escaped surrogate pairs (emoji from ensure_ascii writers) are fine; lone ones are not.
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JsonTextError("string contains a lone UTF-16 surrogate escape") from None
    return value


def decode_openlineage_json(
    value: bytes | None, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
    schemas: Schemas | None = None,
) -> ParsedEvent:
    """Decode one record value; ``DecodeError`` if it is not a JSON object we can read,
    ``ValidationError`` (from ``parse_openlineage``) if the object is not a valid event.
    ``schemas``: shares equal schemas and column lineage between events (see ``parse_openlineage``)."""
    if not value:
        raise DecodeError("record value is empty")
    if len(value) > max_bytes:
        raise DecodeError(f"record value is {len(value)} bytes, over the limit of {max_bytes}")
    try:
        text = bytes(value).decode("utf-8")
    except UnicodeDecodeError as problem:
        raise DecodeError(f"record value is not UTF-8: {problem.reason} at byte {problem.start}") from None
    try:
        doc = load_json_text(text, max_depth=max_depth)
    except JsonTextError as problem:
        position = problem.position(text)
        where = f" at line {position[0]} column {position[1]}" if position else ""
        raise DecodeError(f"record value is not valid JSON: {problem.reason}{where}") from None
    if not isinstance(doc, dict):
        raise DecodeError(f"record value is a JSON {json_type_name(doc)}, expected an object")
    return parse_openlineage(doc, schemas=schemas)
