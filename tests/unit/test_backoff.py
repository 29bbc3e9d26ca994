from __future__ import annotations

from lineage_stream.backoff import Backoff
from lineage_stream.errors import RetryableError


def test_backoff_doubles_up_to_the_maximum():
    backoff = Backoff(initial_s=0.5, maximum_s=3.0)
    assert [backoff.delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_retry_after_from_the_dependency_wins_within_the_maximum():
    backoff = Backoff(initial_s=0.5, maximum_s=10.0)
    assert backoff.delay(RetryableError("busy", retry_after=4.0)) == 4.0
    assert backoff.delay(RetryableError("busy", retry_after=60.0)) == 10.0
    assert backoff.delay(RetryableError("down")) == 2.0
