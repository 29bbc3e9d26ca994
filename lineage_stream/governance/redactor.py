"""Apply a ``RedactionPolicy`` to text, identifiers and facet JSON, counting what was done.

Pure: the pseudonym key and the suppression list are plain values handed in by the composition
root. Every call adds to a ``Tally`` — ``(detector, action) -> count`` — that the stage reports for
the redactions metric. Replacements:

- ``mask``: ``<ENTITY_TYPE>``;
- ``pseudonymize``: ``<ENTITY_TYPE:16 hex>``, the keyed HMAC of the value (masks when no key is set);
- ``drop``: the whole string becomes ``<ENTITY_TYPE>``;
- a value on the suppression list: ``<ERASED>`` (or its pseudonym, when it was erased by pseudonym),
  whatever the policy says for its type.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from fnmatch import translate
from typing import Any

from lineage_stream.governance.policy import ERASED, PERSON, PSEUDONYM, RedactionPolicy
from lineage_stream.governance.suppression import Suppression, pseudonym
from lineage_stream.memo import Memo
from lineage_stream.redaction.redactor import MAX_JSON_DEPTH, TOO_DEEP, Finding, find_pii, merge_findings, names_secret

Tally = Counter[tuple[str, str]]
"""(detector, action) -> how many redactions."""

SECRET = "<SECRET>"
_KEEP, _DROP, _PERSON, _SCAN = range(4)
_PATH_MEMO_ENTRIES = 16_384
_TEXT_MEMO_ENTRIES = 16_384
_MAX_MEMO_CHARS = 4_096


def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(translate(p) for p in patterns)) if patterns else None


class PolicyRedactor:
    """The policy, its key and the suppression list, ready to apply."""

    def __init__(self, policy: RedactionPolicy, key: bytes | None = None,
                 suppression: Suppression | None = None) -> None:
        self.policy = policy
        self._key = key
        self.suppression = suppression or Suppression()
        if self.suppression and key is None:
            raise ValueError("a suppression list needs the pseudonym key it was hashed with")
        self._keep, self._drop = _compiled(policy.keep_paths), _compiled(policy.drop_paths)
        self._person = _compiled(policy.person_paths)
        self._paths: Memo[str, int] = Memo(_PATH_MEMO_ENTRIES)
        self._texts: Memo[tuple[str, bool], tuple[str, tuple[tuple[tuple[str, str], int], ...]]] = Memo(
            _TEXT_MEMO_ENTRIES)

    def with_suppression(self, suppression: Suppression) -> PolicyRedactor:
        return PolicyRedactor(self.policy, self._key, suppression)

    # --- strings ----------------------------------------------------------
    def text(self, text: str, tally: Tally, *, identifier: bool = False) -> str:
        """``text`` with every finding of the policy's types (its identifier types when ``identifier``) replaced.

        Memoized by text: the same strings recur in every event (names, SQL, properties); a hit
        reports its counts again."""
        hit = self._texts.get((text, identifier))
        if hit is None:
            counts: Tally = Counter()
            hit = (self._text(text, counts, identifier), tuple(counts.items()))
            if len(text) <= _MAX_MEMO_CHARS:
                self._texts.put((text, identifier), hit)
        for key, count in hit[1]:
            tally[key] += count
        return hit[0]

    def _text(self, text: str, tally: Tally, identifier: bool) -> str:
        types = self.policy.identifier_entity_types if identifier else self.policy.entity_types
        findings = find_pii(text, types) if types else []
        if self.suppression and self._key is not None:
            erased = [Finding(ERASED if mode == "erase" else PSEUDONYM, a, b, "suppression")
                      for a, b, mode in self.suppression.spans(self._key, text)]
            findings = merge_findings(erased, findings) if erased else findings
        if not findings:
            return text
        pieces: list[str] = []
        cursor = 0
        for finding in findings:
            replacement, action = self._replacement(finding, text[finding.start:finding.end], identifier)
            tally[(finding.detector, action)] += 1
            if action == "drop":
                return replacement
            pieces.append(text[cursor:finding.start])
            pieces.append(replacement)
            cursor = finding.end
        pieces.append(text[cursor:])
        return "".join(pieces)

    def whole_value(self, entity_type: str, value: str, tally: Tally, detector: str) -> str:
        """A value that is an entity as a whole (an owner's name in an ownership facet)."""
        replacement, action = self._replacement(Finding(entity_type, 0, len(value), detector), value, False)
        tally[(detector, action)] += 1
        return replacement

    def _replacement(self, finding: Finding, value: str, identifier: bool) -> tuple[str, str]:
        key = self._key
        listed = self.suppression.mode(key, value) if key is not None else None
        if finding.entity_type == ERASED or listed == "erase":
            return f"<{ERASED}>", "erase"
        action = "pseudonymize" if listed == "pseudonymize" else self.policy.action(finding.entity_type)
        if identifier and action == "drop":
            action = "pseudonymize"  # an identifier cannot be dropped; it must stay distinct
        if action == "pseudonymize" and key is not None:
            return f"<{finding.entity_type}:{pseudonym(key, value)}>", "pseudonymize"
        if action == "pseudonymize":
            action = "mask"
        return f"<{finding.entity_type}>", action

    # --- paths ------------------------------------------------------------
    def path_kind(self, path: str) -> int:
        kind = self._paths.get(path)
        if kind is None:
            if self._keep is not None and self._keep.match(path):
                kind = _KEEP
            elif self._drop is not None and self._drop.match(path):
                kind = _DROP
            elif self._person is not None and self._person.match(path):
                kind = _PERSON
            else:
                kind = _SCAN
            self._paths.put(path, kind)
        return kind

    def keeps(self, path: str) -> bool:
        return self.path_kind(path) == _KEEP

    # --- facets -----------------------------------------------------------
    def facet(self, name: str, text: str, tally: Tally) -> str | None:
        """The facet's JSON text redacted (the very text when nothing changed); None when the policy drops it."""
        kind = self.path_kind(name)
        if kind == _DROP:
            tally[("path", "drop")] += 1
            return None
        if kind == _KEEP:
            return text
        before = sum(tally.values())
        value, repeated_key = _parse(text)
        redacted = self._value(value, name, 0, tally)
        if sum(tally.values()) == before and not repeated_key:
            return text
        return json.dumps(redacted, separators=(",", ":"), sort_keys=True, ensure_ascii=False)

    def _value(self, value: Any, path: str, depth: int, tally: Tally) -> Any:
        if isinstance(value, str):
            kind = self.path_kind(path)
            if kind == _KEEP or not value:
                return value
            if kind == _PERSON:
                return self.whole_value(PERSON, value, tally, "person_path")
            return self.text(value, tally)
        if isinstance(value, (dict, list)) and depth >= MAX_JSON_DEPTH:
            tally[("depth", "drop")] += 1
            return TOO_DEEP
        if isinstance(value, list):
            if self.path_kind(path) == _KEEP:
                return value
            return [self._value(item, path, depth + 1, tally) for item in value]
        if isinstance(value, dict):
            return self._mapping(value, path, depth, tally)
        return value

    def _mapping(self, mapping: dict[str, Any], path: str, depth: int, tally: Tally) -> Any:
        if self.path_kind(path) == _KEEP:
            return mapping
        out: dict[str, Any] = {}
        for key, item in mapping.items():
            child = f"{path}.{key}"
            kind = self.path_kind(child)
            if kind == _DROP:
                tally[("path", "drop")] += 1
                continue
            if kind != _KEEP and names_secret(key) and item is not None and item != "":
                tally[("secret_key", "mask")] += 1
                out[self.text(key, tally)] = SECRET
                continue
            out[key if kind == _KEEP else self.text(key, tally)] = self._value(item, child, depth + 1, tally)
        return out


def _parse(text: str) -> tuple[Any, bool]:
    """The JSON value, and whether an object in it repeats a key. Parsing keeps a repeated key's last
    value only, so the text itself, with the values the walk never saw, must not be passed on as clean
    (``{"d": "ops@example.com", "d": 1}`` was)."""
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        mapping = dict(items)
        if len(mapping) != len(items):
            repeated = True
        return mapping

    return json.loads(text, object_pairs_hook=pairs), repeated
