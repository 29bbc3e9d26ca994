"""Drop events whose ID was already seen within a time window, in bounded memory.

IDs are kept as 64-bit BLAKE2b digests in sixteen slices, oldest first: a new slice starts when the
newest holds ``max_ids / 16`` IDs or spans ``window / 16``, and whole slices are dropped once past
the window or past ``max_ids``. So an ID is remembered for at least the window (at most a sixteenth
longer), and at least the last 15/16 of ``max_ids`` IDs are held. The newest slice is a set; a full
one is sealed into a sorted array of 8-byte digests searched by bisection, with a table of
per-bucket counts in front that rules most new IDs out in one lookup: a million IDs take about
15 MB (8 MB of arrays, 4 MB of counts, the newest slice's set) instead of the 66 MB of sets, and a
new ID costs about 5 us (in a full window of a million) instead of 2.8. Dropping a slice costs the
same whatever its size: evicting one ID at a time from the front of a dict rescans the freed slots,
which grows with the number evicted (a window that expired a million IDs at once took minutes). A
64-bit digest collides with odds of about n²/2⁶⁵: for a million IDs, one in 3.7·10⁷.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import deque
from hashlib import blake2b
from typing import Callable, Iterable, Mapping

from lineage_stream.model import LineageEvent

Clock = Callable[[], int]
"""Returns the current time in microseconds since the epoch."""

SLICES = 16


def id_digest(event_id: str) -> int:
    return int.from_bytes(blake2b(event_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


class _Slice:
    __slots__ = ("ids", "sealed", "first_us", "last_us")

    def __init__(self, now_us: int) -> None:
        self.ids: set[int] = set()
        self.sealed = array("Q")
        """The IDs once the slice is full, sorted (``ids`` is then empty)."""
        self.first_us = now_us
        self.last_us = now_us

    def __len__(self) -> int:
        return len(self.ids) + len(self.sealed)

    def seal(self) -> None:
        self.sealed = array("Q", sorted(self.ids))
        self.ids = set()

    def find(self, digest: int) -> int:
        """The digest's index in ``sealed``, or -1."""
        sealed = self.sealed
        at = bisect_left(sealed, digest)
        return at if at < len(sealed) and sealed[at] == digest else -1


class _Counts:
    """How many sealed IDs fall in each of ``2**bits`` buckets (saturating at 255): a zero rules
    every sealed slice out with one lookup, so a new ID (most of them) costs no bisection. With
    four buckets per ID, about one new ID in five still bisects: in a full window of a million IDs,
    4.9-5.1 us per new ID against 3.9-4.0 with eight buckets per ID, for 4 MB instead of 8."""

    def __init__(self, max_ids: int) -> None:
        bits = max(10, min(26, (max_ids * 4 - 1).bit_length()))
        self._shift = 64 - bits
        self._counts = bytearray(1 << bits)

    def may_hold(self, digest: int) -> bool:
        return self._counts[digest >> self._shift] != 0

    def add(self, digests: Iterable[int]) -> None:
        counts, shift = self._counts, self._shift
        for digest in digests:
            at = digest >> shift
            if counts[at] < 255:
                counts[at] += 1

    def remove(self, digests: Iterable[int]) -> None:
        counts, shift = self._counts, self._shift
        for digest in digests:
            at = digest >> shift
            if counts[at] < 255:  # a saturated bucket stays: it only costs a bisection
                counts[at] -= 1

    def clear(self) -> None:
        self._counts[:] = bytes(len(self._counts))


class Deduplicator:
    """Remembers event IDs seen in the last ``window_us`` microseconds (at most ``max_ids`` of them)."""

    def __init__(self, window_us: int, max_ids: int) -> None:
        self._window_us = window_us
        self._max_ids = max_ids
        self._slice_ids = max(1, max_ids // SLICES)
        self._slice_us = max(1, window_us // SLICES)
        self._slices: deque[_Slice] = deque()
        self._counts = _Counts(max_ids)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def is_duplicate(self, event_id: str, now_us: int) -> bool:
        """True if ``event_id`` was seen within the window; otherwise remember it and return False."""
        self._evict(now_us)
        digest = id_digest(event_id)
        if self._holds(digest):
            return True
        self._add(digest, now_us)
        return False

    def holds(self, event_id: str, now_us: int) -> bool:
        """True if ``event_id`` was seen within the window; remembers nothing."""
        self._evict(now_us)
        return self._holds(id_digest(event_id))

    def remember(self, event_ids: Iterable[str], now_us: int) -> None:
        """Warm the window with IDs known to be applied already (e.g. after a restart)."""
        self._evict(now_us)
        for event_id in event_ids:
            digest = id_digest(event_id)
            if not self._holds(digest):
                self._add(digest, now_us)

    def forget(self, event_ids: Iterable[str]) -> None:
        """Un-remember IDs whose batch was not written, so a retry applies them."""
        for event_id in event_ids:
            digest = id_digest(event_id)
            for part in reversed(self._slices):
                if digest in part.ids:
                    part.ids.discard(digest)
                elif (at := part.find(digest)) >= 0:
                    del part.sealed[at]
                    self._counts.remove((digest,))
                else:
                    continue
                self._count -= 1
                break

    def _holds(self, digest: int) -> bool:
        if self._slices and digest in self._slices[-1].ids:
            return True
        if not self._counts.may_hold(digest):
            return False
        return any(part.find(digest) >= 0 for part in reversed(self._slices))

    def _add(self, digest: int, now_us: int) -> None:
        newest = self._slices[-1] if self._slices else None
        if newest is None or len(newest.ids) >= self._slice_ids or now_us - newest.first_us >= self._slice_us:
            if newest is not None:
                newest.seal()
                self._counts.add(newest.sealed)
            newest = _Slice(now_us)
            self._slices.append(newest)
        newest.ids.add(digest)
        newest.last_us = max(newest.last_us, now_us)
        self._count += 1
        while self._count > self._max_ids:
            self._drop_oldest()

    def _evict(self, now_us: int) -> None:
        horizon = now_us - self._window_us
        while self._slices and self._slices[0].last_us < horizon:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        oldest = self._slices.popleft()
        self._count -= len(oldest)
        if len(self._slices) <= 1:  # nothing sealed is left (the newest slice never is): start afresh
            self._counts.clear()
        else:
            self._counts.remove(oldest.sealed)


class DedupStage:
    """Pipeline stage: returns the event, or ``None`` for a duplicate."""

    name = "dedup"

    def __init__(self, dedup: Deduplicator, clock_us: Clock) -> None:
        self._dedup = dedup
        self._clock_us = clock_us

    def __call__(self, event: LineageEvent) -> LineageEvent | None:
        return None if self._dedup.is_duplicate(event.event_id, self._clock_us()) else event


class SeenBefore:
    """Tells a record whose event ID the window holds from its first bytes, before it is decoded.

    A record re-sent after its event was applied is dropped as a duplicate without being decoded,
    validated or built (a record of the benchmark's stream: about 3 us instead of about 130). Only a
    held ID counts, and the window holds only IDs of events that passed decoding and validation, so
    what is passed over is another copy of an accepted event, as the dedup stage would have found.
    Duplicates within one batch, and every record of a decoder that cannot read an ID early (OpenLineage
    JSON), go through the stages as before.
    """

    def __init__(self, dedup: Deduplicator, clock_us: Clock,
                 peekers: Mapping[str, Callable[[bytes | None], str | None]]) -> None:
        self._dedup = dedup
        self._clock_us = clock_us
        self._peekers = dict(peekers)

    def __call__(self, topic: str, value: bytes | None) -> bool:
        peek = self._peekers.get(topic)
        if peek is None:
            return False
        event_id = peek(value)
        return event_id is not None and self._dedup.holds(event_id, self._clock_us())
