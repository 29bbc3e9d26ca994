"""The garbage collector's pace while the worker runs: young objects collected as often as batches are small.

Each event allocates hundreds of short-lived, acyclic objects (frozen messages, plan rows), so
Python's default thresholds start a collection every few events, and every so often a full one over
everything the process holds (the dedup window, the memos): 40 % of the pipeline's CPU and pauses of
200-400 ms, measured on the benchmark's stream. So while the worker runs, what exists at start-up is
frozen (never scanned again), and the youngest generation is collected only once many more objects
are alive than at the last collection.

How many is a trade between CPU and pauses, and the batches say which one matters:

- Under lag, batches are full, the rate is what counts, and a collection should not come in the
  middle of every batch, traversing the batch being prepared and the one being written. At 500,000
  young objects, collections over 60,000 records of the benchmark's stream took 0.2-0.4 s of CPU,
  against 1.2-1.5 s at 50,000.
- When the worker keeps up, batches are small, latency is what counts, and a collection is a pause
  that every event in flight waits out. At 500,000, the first one came after about 64,000 records
  and took 330-370 ms (it traverses what the memos gathered meanwhile); at 1,900 events/s it set the
  p99 latency. At 50,000, pauses were 22-52 ms.

So the threshold follows the size of each batch: ``PER_RECORD`` young objects per record, between
``LOW`` and ``HIGH`` (a full 1,000-record batch gets ``HIGH``). A batch being prepared keeps 30-60
objects per record alive, far below either.
"""

from __future__ import annotations

import gc
from types import TracebackType

PER_RECORD = 500
LOW = 50_000
HIGH = 500_000
OLDER = (20, 100)
"""Python's own thresholds of the two older generations."""


class CollectionPace:
    """A context manager for the worker's run; call ``batch(records)`` with each batch's size."""

    def __init__(self, *, per_record: int = PER_RECORD, low: int = LOW, high: int = HIGH) -> None:
        self._per_record, self._low, self._high = per_record, low, high
        self._saved = gc.get_threshold()
        self.threshold = high

    def __enter__(self) -> CollectionPace:
        self._saved = gc.get_threshold()
        gc.collect()
        gc.freeze()
        self._set(self._high)
        return self

    def batch(self, records: int) -> None:
        """The next batch has ``records`` records: collect the young generation at a size that suits it."""
        threshold = min(self._high, max(self._low, records * self._per_record))
        if threshold != self.threshold:
            self._set(threshold)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        # What the run leaves (memos, the dedup window) goes to the oldest generation as it is: restoring
        # the thresholds would otherwise start a collection of up to HIGH young objects on the way out
        # (0.23 s after 150,000 records, most of the --until-idle exit).
        gc.freeze()
        gc.set_threshold(*self._saved)
        gc.unfreeze()

    def _set(self, threshold: int) -> None:
        gc.set_threshold(threshold, *OLDER)
        self.threshold = threshold
