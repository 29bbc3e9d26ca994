"""The labelled secret cases (``secret_cases.tsv``): every planted secret vanishes, no near miss is touched.

Run with ``-s`` to see the table per entity type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from lineage_stream.redaction import redact_text
from lineage_stream.redaction.secrets import SECRET_DETECTORS

CASES_FILE = Path(__file__).with_name("secret_cases.tsv")


@dataclass(frozen=True)
class SecretCase:
    entity_type: str
    text: str
    contains_secret: bool
    secret: str
    note: str


def load_secret_cases() -> list[SecretCase]:
    cases = []
    lines = [line for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    for line in lines[1:]:
        entity_type, text, positive, secret, note = line.split("\t")
        cases.append(SecretCase(entity_type, text.replace("\\n", "\n"), positive == "true", secret, note))
    return cases


CASES = load_secret_cases()


def _passes(case: SecretCase) -> bool:
    redacted = redact_text(case.text)
    if case.contains_secret:
        return case.secret not in redacted
    return redacted == case.text


def test_every_secret_type_has_positives_and_near_misses() -> None:
    types = {d.entity_type for d in SECRET_DETECTORS}
    positives = {c.entity_type for c in CASES if c.contains_secret}
    negatives = {c.entity_type for c in CASES if not c.contains_secret}
    assert types <= positives, types - positives
    assert types - {"AZURE_CLIENT_SECRET"} <= negatives, types - negatives


def test_recall_is_one_and_no_near_miss_is_redacted() -> None:
    found: Counter[str] = Counter()
    positives: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    false_alarms: Counter[str] = Counter()
    failures = []
    for case in CASES:
        passed = _passes(case)
        if case.contains_secret:
            positives[case.entity_type] += 1
            found[case.entity_type] += passed
        else:
            negatives[case.entity_type] += 1
            false_alarms[case.entity_type] += not passed
        if not passed:
            failures.append(f"{case.entity_type}: {case.note}: {case.text!r} -> {redact_text(case.text)!r}")
    print(f"\n{'entity type':<22}{'pos':>5}{'found':>7}{'neg':>5}{'FP':>4}")
    for entity_type in sorted(positives | negatives):
        print(f"{entity_type:<22}{positives[entity_type]:>5}{found[entity_type]:>7}"
              f"{negatives[entity_type]:>5}{false_alarms[entity_type]:>4}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", [c for c in CASES if c.contains_secret], ids=lambda c: f"{c.entity_type}-{c.note}")
def test_the_secret_leaves_no_fragment(case: SecretCase) -> None:
    """No eight-character piece of the secret survives (a partial mask would still leak it)."""
    redacted = redact_text(case.text)
    pieces = {case.secret[i:i + 8] for i in range(0, max(1, len(case.secret) - 7), 4)}
    assert not [p for p in pieces if p in redacted], redacted
