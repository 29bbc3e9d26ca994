"""Erasure, the pure part: what to look for in the graph and what to write instead.

A person's traces are in the graph in two shapes: as the value itself (stored before redaction
knew it, or in text no detector recognized) and as its pseudonym ``<TYPE:16 hex>`` (the policy
pseudonymized it). ``lineage-stream erase`` finds both in every string property of every node and
relationship and rewrites them to ``<ERASED>`` (or, erasing by pseudonym, to ``<PSEUDONYM:16 hex>``),
then adds the value's keyed hash to the suppression list so a replay cannot bring it back. The
audit record holds the keyed hash, never the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lineage_stream.governance.policy import ERASED, PSEUDONYM
from lineage_stream.governance.suppression import MAX_WORDS, keyed_hash, normalized, pseudonym, word_count

Mode = Literal["erase", "pseudonymize"]
MIN_CHARS = 3
"""Shorter values would match inside unrelated words."""


@dataclass(frozen=True)
class ErasureRequest:
    value_hash: str
    pseudonym: str
    """The 16 hex digits the policy's pseudonyms of this value carry."""
    words: int
    mode: Mode
    needles: tuple[str, ...]
    """Lower-cased fragments a string holding a trace contains (for the graph scan)."""
    _pattern: re.Pattern[str]
    replacement: str

    def rewrite(self, text: str) -> str:
        return self._pattern.sub(self.replacement, text)


def erasure_request(key: bytes, value: str, mode: Mode = "erase") -> ErasureRequest:
    """What erasing ``value`` looks for and writes.

    Raises:
        ValueError: the value is too short or too long to be a person's identifier.
    """
    clean = normalized(value)
    if len(clean) < MIN_CHARS:
        raise ValueError(f"a value to erase needs at least {MIN_CHARS} characters")
    words = word_count(value)
    if not 1 <= words <= MAX_WORDS:
        raise ValueError(f"a value to erase is one to {MAX_WORDS} words (an e-mail address, a name, a user ID)")
    digest = keyed_hash(key, value)
    alias = pseudonym(key, value)
    spelled = r"\s+".join(re.escape(part) for part in clean.split(" "))
    pattern = re.compile(rf"(?i)(?<![\w.@+-]){spelled}(?![\w@-]|\.\w)|<[A-Z_]{{2,40}}:{alias}>")
    replacement = f"<{ERASED}>" if mode == "erase" else f"<{PSEUDONYM}:{alias}>"
    return ErasureRequest(digest, alias, words, mode, (clean, f":{alias}>"), pattern, replacement)


def rewrite_value(request: ErasureRequest, value: object) -> object:
    """A property value with every trace rewritten (strings and lists of strings; others as they are)."""
    if isinstance(value, str):
        return request.rewrite(value)
    if isinstance(value, list):
        return [request.rewrite(item) if isinstance(item, str) else item for item in value]
    return value
