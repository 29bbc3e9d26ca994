"""Read the shared PII conformance data (never copied into the project).

The data lives at ``<project root>/../shared/conformance/pii``; tests skip
with a clear message when it is absent.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PII_CONFORMANCE_DIR = PROJECT_ROOT.parent / "shared" / "conformance" / "pii"
CASES_FILE = PII_CONFORMANCE_DIR / "cases.tsv"
DOCUMENTS_DIR = PII_CONFORMANCE_DIR / "documents"

# scrubadub writes expected output as "{{TAG}}"; map its tags to our names.
TEMPLATE_TAG_ENTITY: dict[str, str] = {
    "CREDIT_CARD": "CREDIT_CARD",
    "DATE_OF_BIRTH": "DATE_OF_BIRTH",
    "DRIVERS_LICENCE": "UK_DRIVING_LICENCE",
    "EMAIL": "EMAIL_ADDRESS",
    "NAME": "PERSON",
    "NATIONAL_INSURANCE_NUMBER": "UK_NINO",
    "PASSWORD": "CREDENTIALS",
    "PHONE": "PHONE_NUMBER",
    "SKYPE": "SKYPE_USERNAME",
    "SOCIAL_SECURITY_NUMBER": "US_SSN",
    "TAX_REFERENCE_NUMBER": "UK_TAX_REFERENCE_NUMBER",
    "TWITTER": "TWITTER_HANDLE",
    "URL": "URL",
    "USERNAME": "CREDENTIALS",
}

_TSV_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_TSV_UNESCAPED = {"t": "\t", "n": "\n", "\\": "\\"}
_TEMPLATE_TAG = re.compile(r"\{\{([A-Z_]+)\}\}")
_REMOVED_SUBSTRINGS_NOTE = re.compile(r"asserts these substrings are removed: (\[[^\]]*\])")

Span = tuple[int, int]


@dataclass(frozen=True)
class PiiCase:
    """One labelled case; ``expected_spans`` is None when the label gives no
    positions (then any finding of the entity type counts as found)."""

    entity_type: str
    text: str
    contains_pii: bool
    tier: str
    source: str
    expected_spans: tuple[Span, ...] | None


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared PII conformance data not found at {path}")
    return path


def unescape_tsv_field(field: str) -> str:
    return _TSV_ESCAPE.sub(lambda m: _TSV_UNESCAPED.get(m.group(1), m.group(0)), field)


def load_cases() -> list[PiiCase]:
    with require(CASES_FILE).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [_parse_row({k: unescape_tsv_field(v) for k, v in row.items()}) for row in reader]


def _parse_row(row: dict[str, str]) -> PiiCase:
    text, entity_type = row["text"], row["entity_type"]
    contains_pii = row["expected_contains_pii"] == "true"
    spans = None
    if contains_pii:
        spans = _expected_spans(text, entity_type, row)
    return PiiCase(entity_type, text, contains_pii, row["tier"], row["source"], spans)


def _expected_spans(text: str, entity_type: str, row: dict[str, str]) -> tuple[Span, ...] | None:
    listed: list[str] = json.loads(row["expected_spans"]) if row["expected_spans"] else []
    if listed:
        return locate_substrings(text, listed)
    if "{{" in row["expected_redacted"]:
        return spans_from_template(text, row["expected_redacted"], entity_type)
    removed = _REMOVED_SUBSTRINGS_NOTE.search(row["notes"])
    if removed:
        return locate_substrings(text, ast.literal_eval(removed.group(1)))
    return None


def locate_substrings(text: str, substrings: list[str]) -> tuple[Span, ...]:
    """Positions of ``substrings`` found left to right (repeats allowed)."""
    spans: list[Span] = []
    cursor = 0
    for substring in substrings:
        start = text.find(substring, cursor)
        if start < 0:
            start = text.find(substring)
        if start < 0:
            raise ValueError(f"expected span {substring!r} not in {text!r}")
        spans.append(_strip_whitespace(text, start, start + len(substring)))
        cursor = start + len(substring)
    return tuple(spans)


def spans_from_template(text: str, template: str, entity_type: str) -> tuple[Span, ...]:
    """Align ``text`` with a "{{TAG}}" template; keep the spans of ``entity_type``."""
    tags = _TEMPLATE_TAG.findall(template)
    literals = _TEMPLATE_TAG.split(template)[::2]
    pattern = "(.+?)".join(re.escape(literal) for literal in literals)
    match = re.fullmatch(pattern, text, re.DOTALL)
    if match is None:
        raise ValueError(f"template {template!r} does not align with {text!r}")
    return tuple(
        _strip_whitespace(text, *match.span(group))
        for group, tag in enumerate(tags, start=1)
        if TEMPLATE_TAG_ENTITY[tag] == entity_type
    )


def _strip_whitespace(text: str, start: int, end: int) -> Span:
    # Surrounding whitespace in a labelled span is not PII (presidio's NINO
    # labels include a leading space).
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
