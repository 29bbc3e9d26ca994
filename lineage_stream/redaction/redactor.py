"""Find and redact PII / secrets in text and in JSON-shaped values.

Everything here is pure: inputs are never mutated and the same input always
gives the same output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lineage_stream.redaction.detectors import (
    ALL_ENTITY_TYPES,
    DEFAULT_ENTITY_TYPES,
    DETECTORS,
    SECRET_KEY_TERMS,
)
from lineage_stream.redaction.detector import Detector

__all__ = ["MAX_JSON_DEPTH", "Finding", "find_pii", "redact_json", "redact_text"]

MAX_JSON_DEPTH = 64
TOO_DEEP = "<TOO_DEEP>"
SECRET = "<SECRET>"
# Keys longer than this are data, not field names; they never name a secret.
_MAX_SECRET_KEY_LENGTH = 128
_DIGIT = re.compile(r"\d")
_KEY_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True)
class Finding:
    entity_type: str
    start: int
    end: int
    detector: str = field(default="", compare=False)
    """The detector row that found it (for metrics); not part of equality."""


def find_pii(text: str, entity_types: frozenset[str] | None = None) -> list[Finding]:
    """Non-overlapping findings in ``text``, sorted by position.

    ``entity_types`` defaults to ``DEFAULT_ENTITY_TYPES``; unknown names raise
    ``ValueError`` so that a typo cannot silently disable redaction.
    """
    wanted = _checked_entity_types(entity_types)
    selected: list[Finding] = []
    present = {"": True, "digit": _DIGIT.search(text) is not None, "@": "@" in text}
    for detector in DETECTORS:
        if detector.entity_type in wanted and present[detector.needs]:
            selected = _merge_by_specificity(selected, list(_scan(detector, text)))
    return selected


def redact_text(text: str, entity_types: frozenset[str] | None = None) -> str:
    """``text`` with each finding replaced by ``<ENTITY_TYPE>``."""
    return _redact_with_count(text, _checked_entity_types(entity_types))[0]


def redact_json(
    value: object, entity_types: frozenset[str] | None = None
) -> tuple[object, int]:
    """Redact every string inside nested dicts/lists/tuples.

    Values of keys that name secrets (see ``names_secret``) become ``<SECRET>``
    whatever their type; containers nested deeper than ``MAX_JSON_DEPTH``
    become ``<TOO_DEEP>``. Mapping keys are kept as they are. Returns the new
    value and the number of redactions (findings, secrets and cut-off
    containers).
    """
    return _JsonRedactor(_checked_entity_types(entity_types)).redact(value, 0)


def _checked_entity_types(entity_types: frozenset[str] | None) -> frozenset[str]:
    if entity_types is None:
        return DEFAULT_ENTITY_TYPES
    unknown = entity_types - ALL_ENTITY_TYPES
    if unknown:
        raise ValueError(f"unknown entity types: {sorted(unknown)}")
    return entity_types


def _scan(detector: Detector, text: str) -> Iterator[Finding]:
    """Validated matches of one detector, in order and non-overlapping."""
    pattern, position = detector.pattern, 0
    has_pii_group = "pii" in pattern.groupindex
    while (match := pattern.search(text, position)) is not None:
        start, end = match.span("pii") if has_pii_group else match.span()
        if _is_confirmed(detector, text, start, end):
            yield Finding(detector.entity_type, start, end, detector.name)
            position = max(match.end(), match.start() + 1)
        else:
            # A rejected candidate may hide a valid one that starts inside it
            # (e.g. "20241 440-600-5124"), so resume one character later.
            position = match.start() + 1


def _is_confirmed(detector: Detector, text: str, start: int, end: int) -> bool:
    if start == end:
        return False
    if detector.validator is not None and not detector.validator(text[start:end]):
        return False
    if detector.context is None:
        return True
    window = detector.context_window
    nearby = text[max(0, start - window):end + window]
    return detector.context.search(nearby) is not None


def _merge_by_specificity(
    selected: Sequence[Finding], candidates: Sequence[Finding]
) -> list[Finding]:
    """Add one detector's findings to those of the more specific detectors.

    ``selected`` and ``candidates`` are each sorted and non-overlapping. A
    candidate that overlaps selected findings replaces them only if it
    strictly contains all of them; otherwise it is dropped. One linear sweep,
    so a megabyte of dense findings stays cheap.
    """
    merged: list[Finding] = []
    index = 0
    for candidate in candidates:
        while index < len(selected) and selected[index].end <= candidate.start:
            merged.append(selected[index])
            index += 1
        overlap_end = index
        while overlap_end < len(selected) and selected[overlap_end].start < candidate.end:
            overlap_end += 1
        overlapping = selected[index:overlap_end]
        if not overlapping:
            merged.append(candidate)
        elif all(_strictly_contains(candidate, found) for found in overlapping):
            merged.append(candidate)
            index = overlap_end
    merged.extend(selected[index:])
    return merged


def _strictly_contains(outer: Finding, inner: Finding) -> bool:
    covers = outer.start <= inner.start and inner.end <= outer.end
    return covers and (outer.start, outer.end) != (inner.start, inner.end)


def _redact_with_count(text: str, entity_types: frozenset[str]) -> tuple[str, int]:
    findings = find_pii(text, entity_types)
    if not findings:
        return text, 0
    pieces: list[str] = []
    cursor = 0
    for finding in findings:
        pieces.append(text[cursor:finding.start])
        pieces.append(f"<{finding.entity_type}>")
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces), len(findings)


def key_words(key: str) -> tuple[str, ...]:
    """``"awsSecretAccessKey"`` -> ``("aws", "secret", "access", "key")``."""
    return tuple(word.lower() for word in _KEY_WORD.findall(key))


def names_secret(key: object) -> bool:
    """True when the key's last words are one of ``SECRET_KEY_TERMS``."""
    if not isinstance(key, str) or len(key) > _MAX_SECRET_KEY_LENGTH:
        return False
    words = key_words(key)
    return any(
        len(words) >= len(term) and words[-len(term):] == term for term in SECRET_KEY_TERMS
    )


@dataclass(frozen=True)
class _JsonRedactor:
    entity_types: frozenset[str]

    def redact(self, value: object, depth: int) -> tuple[object, int]:
        if isinstance(value, str):
            return _redact_with_count(value, self.entity_types)
        if isinstance(value, (dict, list, tuple)) and depth >= MAX_JSON_DEPTH:
            return TOO_DEEP, 1
        if isinstance(value, dict):
            return self._redact_mapping(value, depth)
        if isinstance(value, (list, tuple)):
            redacted_items, count = self._redact_items(value, depth)
            return (tuple(redacted_items) if isinstance(value, tuple) else redacted_items), count
        return value, 0

    def _redact_mapping(self, mapping: dict[object, object], depth: int) -> tuple[object, int]:
        redacted: dict[object, object] = {}
        total = 0
        for key, item in mapping.items():
            if names_secret(key) and not _is_blank(item):
                redacted[key], count = SECRET, 1
            else:
                redacted[key], count = self.redact(item, depth + 1)
            total += count
        return redacted, total

    def _redact_items(
        self, items: list[object] | tuple[object, ...], depth: int
    ) -> tuple[list[object], int]:
        redacted: list[object] = []
        total = 0
        for item in items:
            new_item, count = self.redact(item, depth + 1)
            redacted.append(new_item)
            total += count
        return redacted, total


def _is_blank(value: object) -> bool:
    """Nothing to hide: keep ``None`` / ``""`` so absence stays visible."""
    return value is None or (isinstance(value, str) and not value)


def merge_findings(selected: Sequence[Finding], candidates: Sequence[Finding]) -> list[Finding]:
    """Findings of ``candidates`` added to ``selected`` by the rule of ``find_pii`` (the earlier wins an overlap
    unless the later strictly contains it); both inputs sorted and non-overlapping."""
    return _merge_by_specificity(selected, candidates)
