"""Whole documents from the shared conformance folder, before/after redaction.

Only the PII types that need named-entity recognition (people, places,
free-form dates, postal addresses) are out of scope; every other labelled
item must disappear.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from lineage_stream.redaction import DEFAULT_ENTITY_TYPES, redact_json, redact_text

from ._conformance import DOCUMENTS_DIR, require

# Entity types in the presidio oracle that need NER rather than patterns.
NER_ONLY_ENTITY_TYPES = frozenset({"PERSON", "LOCATION", "DATE_TIME"})
# scrubadub's filth types mapped to ours; None means NER-only (not detected).
SCRUBADUB_FILTH_ENTITY: dict[str, str | None] = {
    "phone": "PHONE_NUMBER",
    "email": "EMAIL_ADDRESS",
    "address": None,
    "name": None,
}
_PLACEHOLDER = re.compile(r"<([A-Z_]+)>")


def _read(name: str) -> str:
    return require(DOCUMENTS_DIR / name).read_text(encoding="utf-8")


def labelled_items(original: str, anonymized: str) -> list[tuple[str, str]]:
    """(entity type, original text) for each ``<TYPE>`` placeholder in order."""
    entity_types = _PLACEHOLDER.findall(anonymized)
    literals = _PLACEHOLDER.split(anonymized)[::2]
    match = re.fullmatch("(.+?)".join(map(re.escape, literals)), original, re.DOTALL)
    assert match is not None, "anonymized document does not align with the original"
    return [(t, match.group(i)) for i, t in enumerate(entity_types, start=1)]


def test_presidio_demo_matches_oracle_except_ner_only_types() -> None:
    original = _read("presidio_demo.txt")
    anonymized = _read("presidio_demo_anonymized.txt")
    items = labelled_items(original, anonymized)
    kept = iter(text for entity_type, text in items if entity_type in NER_ONLY_ENTITY_TYPES)
    expected = _PLACEHOLDER.sub(
        lambda m: next(kept) if m.group(1) in NER_ONLY_ENTITY_TYPES else m.group(0), anonymized
    )

    assert redact_text(original, DEFAULT_ENTITY_TYPES | {"URL"}) == expected


def test_presidio_demo_default_types_remove_every_item_but_urls() -> None:
    original = _read("presidio_demo.txt")
    items = labelled_items(original, _read("presidio_demo_anonymized.txt"))
    redacted = redact_text(original)

    for entity_type, text in items:
        if entity_type in NER_ONLY_ENTITY_TYPES:
            continue
        if entity_type == "URL":  # opt-in: lineage namespaces are URLs
            assert text in redacted
        else:
            assert text not in redacted, (entity_type, text)
            assert f"<{entity_type}>" in redacted


def _scrubadub_known_pii() -> list[tuple[str, str]]:
    document = _read("scrubadub_example_document.txt")
    with require(DOCUMENTS_DIR / "scrubadub_example_known_pii.csv").open(
        newline="", encoding="utf-8"
    ) as handle:
        rows = list(csv.DictReader(handle))
    items = []
    for row in rows:
        start = document.index(row["match"])
        end = start + len(row["match"])
        if row["match_end"]:  # the item runs from match to the end of match_end
            end = document.index(row["match_end"], start) + len(row["match_end"])
        items.append((row["filth_type"], document[start:end]))
    return items


def test_scrubadub_document_known_pii_is_removed() -> None:
    document = _read("scrubadub_example_document.txt")
    redacted = redact_text(document).lower()
    items = _scrubadub_known_pii()

    assert {filth for filth, _ in items} <= set(SCRUBADUB_FILTH_ENTITY)
    checked = [(f, text) for f, text in items if SCRUBADUB_FILTH_ENTITY[f] is not None]
    assert {f for f, _ in checked} == {"phone", "email"}
    for _, text in checked:
        # lower(): the document repeats the email wildly capitalised.
        assert text.lower() not in redacted, text
    assert redacted.count("<email_address>") == 2


def _with_emails_replaced(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: "<EMAIL_ADDRESS>" if key == "email" else _with_emails_replaced(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_with_emails_replaced(item) for item in value]
    return value


def test_structured_json_documents_lose_emails_and_keep_decoys() -> None:
    for name in ("presidio_test_structured.json", "presidio_test_structured_complex.json"):
        raw = _read(name)
        document = json.loads(raw)
        email_count = raw.count('"email":')

        redacted, count = redact_json(document)

        assert email_count > 0
        assert redacted == _with_emails_replaced(document), name
        assert count == email_count
        assert "reallynot" in json.dumps(redacted)  # non_pii decoys untouched


def test_documents_folder_holds_every_expected_file() -> None:
    names = {path.name for path in Path(require(DOCUMENTS_DIR)).iterdir()}
    assert names >= {
        "presidio_demo.txt",
        "presidio_demo_anonymized.txt",
        "presidio_test_structured.json",
        "presidio_test_structured_complex.json",
        "scrubadub_example_document.txt",
        "scrubadub_example_known_pii.csv",
    }
