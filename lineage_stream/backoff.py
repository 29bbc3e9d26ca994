"""The one retry policy: exponential backoff from ``initial`` to ``maximum``, honouring ``retry_after``."""

from __future__ import annotations

from lineage_stream.errors import RetryableError


class Backoff:
    """Delays before successive retries of one operation; a new operation starts a new ``Backoff``."""

    def __init__(self, initial_s: float = 0.5, maximum_s: float = 10.0) -> None:
        self._next = initial_s
        self._maximum = maximum_s

    def delay(self, error: RetryableError | None = None) -> float:
        """Seconds to wait before the next attempt: what the dependency asked for, else the policy's."""
        policy = self._next
        self._next = min(self._next * 2, self._maximum)
        if error is not None and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self._maximum)
        return policy
