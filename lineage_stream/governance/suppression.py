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


def keyed_hash(key: bytes, value: str, purpose: str = "suppression") -> str:
    """HMAC-SHA256 of the normalized value, hex; the same value always gives the same hash under one key.

    ``purpose`` separates domains: a pseudonym (``"pseudonym"``) and a suppression-list hash of the same
    value share no digits, so the list cannot be matched against the pseudonyms in the graph."""
    message = f"{purpose}\x00{normalized(value)}".encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def pseudonym(key: bytes, value: str) -> str:
    """The 16 hex digits of the value's pseudonym (``<EMAIL_ADDRESS:...>``)."""
    return keyed_hash(key, value, "pseudonym")[:16]


def word_count(value: str) -> int:
    return len(_WORD.findall(value))


@dataclass(frozen=True)
class Suppression:
    """The keyed hashes of erased values (``<ERASED>`` wherever they appear) and of pseudonymized ones
    (their pseudonym wherever they appear), and the word counts to look for."""

    hashes: frozenset[str] = frozenset()
    pseudonymized: frozenset[str] = frozenset()
    word_counts: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.hashes or self.pseudonymized)

    def mode(self, key: bytes, value: str) -> str | None:
        """``"erase"``, ``"pseudonymize"``, or None when the value is not on the list."""
        if not self:
            return None
        digest = keyed_hash(key, value)
        if digest in self.hashes:
            return "erase"
        return "pseudonymize" if digest in self.pseudonymized else None

    def spans(self, key: bytes, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, mode)`` of the runs of words in ``text`` that are on the list,
        the longest run first at each word."""
        if not self:
            return []
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        found: list[tuple[int, int, str]] = []
        index = 0
        counts = sorted(self.word_counts, reverse=True)
        while index < len(words):
            for count in counts:
                if index + count > len(words):
                    continue
                start, end = words[index][0], words[index + count - 1][1]
                mode = self.mode(key, text[start:end])
                if mode is not None:
                    found.append((start, end, mode))
                    index += count
                    break
            else:
                index += 1
        return found
