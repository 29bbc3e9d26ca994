"""The suppression list: values erased from the graph, held only as keyed hashes.

``lineage-stream erase`` adds the keyed hash of a value (lower-cased, spaces collapsed) and its
word count; the redact stage hashes every run of that many words of a text (and every finding of
a detector) and replaces a match with ``<ERASED>``. The value itself is never stored, so the list
and the erasure audit records can be read by anyone without revealing whom they name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

# Runs of text between separators; e-mail addresses and dotted names stay one word.
_SEPARATORS = r"\s\"'`<>()\[\]{},;:|=/\\"
_WORD = re.compile(rf"[^{_SEPARATORS}]*[^{_SEPARATORS}.!?]")
_SPACES = re.compile(r"\s+")
MAX_WORDS = 6
"""Longer values (a whole sentence) are not names: erase refuses them."""


def normalized(value: str) -> str:
    return _SPACES.sub(" ", value.strip()).lower()


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of the normalized value, hex; the same value always gives the same hash under one key."""
    return hmac.new(key, normalized(value).encode("utf-8"), hashlib.sha256).hexdigest()


def word_count(value: str) -> int:
    return len(_WORD.findall(value))


@dataclass(frozen=True)
class Suppression:
    """The keyed hashes of erased values, and the word counts to look for."""

    hashes: frozenset[str] = frozenset()
    word_counts: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.hashes)

    def matches(self, key: bytes, value: str) -> bool:
        return bool(self.hashes) and keyed_hash(key, value) in self.hashes

    def spans(self, key: bytes, text: str) -> list[tuple[int, int]]:
        """Non-overlapping spans of ``text`` whose words hash to an erased value, longest first at each word."""
        if not self.hashes:
            return []
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        found: list[tuple[int, int]] = []
        index = 0
        while index < len(words):
            for count in sorted(self.word_counts, reverse=True):
                if index + count > len(words):
                    continue
                start, end = words[index][0], words[index + count - 1][1]
                if keyed_hash(key, text[start:end]) in self.hashes:
                    found.append((start, end))
                    index += count
                    break
            else:
                index += 1
        return found
