"""A bounded memo for the hot path: what recurs stays, what came once ages out, memory stays bounded.

Producers repeat themselves (the same names, schemas, SQL and facets run after run), so the stages
memoize pure results. ``Memo`` keeps two generations of at most ``entries`` keys each: new keys go
into the young one; when it is full it becomes the old one and the old one is dropped; a hit in
the old generation moves the entry back into the young one. So an entry used at least once per
``entries`` insertions survives every turn, unlike a dict that is cleared when full (which drops
the hot entries with the rest and pays to compute them again), and a lookup costs one dict lookup
(two on a miss). ``functools.lru_cache`` is the other choice where the key is the arguments; this is
for memos whose key or whose storing is the caller's decision.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_MISSING: object = object()


class Memo(Generic[K, V]):
    __slots__ = ("_young", "_old", "_entries")

    def __init__(self, entries: int) -> None:
        if entries < 1:
            raise ValueError(f"a memo holds at least one entry per generation, got {entries}")
        self._entries = entries
        self._young: dict[K, V] = {}
        self._old: dict[K, V] = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def get(self, key: K) -> V | None:
        """The value under ``key``, or None (values are never None)."""
        value = self._young.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        value = self._old.pop(key, _MISSING)
        if value is _MISSING:
            return None
        self.put(key, value)  # type: ignore[arg-type]
        return value  # type: ignore[return-value]

    def put(self, key: K, value: V) -> None:
        if len(self._young) >= self._entries:
            self._old = self._young
            self._young = {}
        self._young[key] = value

    def clear(self) -> None:
        self._young = {}
        self._old = {}


class IdentityMemo(Generic[K, V]):
    """A ``Memo`` keyed by the identity of an object, for results computed from frozen messages that
    are costly to hash (a schema's tuple of fields hashes every field, in Python) where the decoder
    hands out one shared object per distinct content (``contract.codec.Schemas``).

    Each entry holds its object, so no other object can take the same ``id`` while the entry lives.
    """

    __slots__ = ("_memo",)

    def __init__(self, entries: int) -> None:
        self._memo: Memo[int, tuple[K, V]] = Memo(entries)

    def __len__(self) -> int:
        return len(self._memo)

    def get(self, key: K) -> V | None:
        """The value stored for this very object, or None (values are never None)."""
        hit = self._memo.get(id(key))
        return hit[1] if hit is not None and hit[0] is key else None

    def put(self, key: K, value: V) -> None:
        self._memo.put(id(key), (key, value))

    def clear(self) -> None:
        self._memo.clear()
