"""eventTime parsing: lenient on zone and precision, strict on everything else."""

from __future__ import annotations

import pytest

from lineage_stream.errors import ValidationError
from lineage_stream.openlineage.event_time import event_time_micros

# 2020-12-28T19:51:01Z
BASE_US = 1_609_185_061_000_000


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("2020-12-28T19:51:01Z", BASE_US),
        ("2020-12-28T19:51:01.641Z", BASE_US + 641_000),
        ("2020-12-28T19:51:01.641499Z", BASE_US + 641_499),
        ("2020-12-28T19:51:01.641499", BASE_US + 641_499),  # no zone: UTC
        ("2020-12-28T19:51:01.641499999Z", BASE_US + 641_499),  # nanoseconds truncated, not rounded
        ("2020-12-28T19:51:01.6414999999999Z", BASE_US + 641_499),
        ("2020-12-28T19:51:01.7Z", BASE_US + 700_000),
        ("2020-12-29T05:51:01.641+10:00", BASE_US + 641_000),
        ("2020-12-28T14:21:01-05:30", BASE_US),
        ("2020-12-28T21:51:01+0200", BASE_US),
        ("2020-12-28T21:51:01+02", BASE_US),
        ("2020-12-28T19:51:01+00:00", BASE_US),
        ("2020-12-28t19:51:01z", BASE_US),
        ("2020-12-28 19:51:01", BASE_US),
        ("2020-12-28T19:51Z", BASE_US - 1_000_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T01:00:00+01:00", 0),
        ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999),
    ],
)
def test_accepted(text: str, micros: int) -> None:
    assert event_time_micros(text) == micros


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "eventTime is missing"),
        (1609185061, "must be string, got integer"),
        ("", "is not an ISO 8601 date-time"),
        ("2020-12-28", "is not an ISO 8601 date-time"),
        ("28/12/2020 19:51:01", "is not an ISO 8601 date-time"),
        ("2020-12-28T19:51:01.641Z trailing", "is not an ISO 8601 date-time"),
        ("2020-12-28T19:51:01+5", "is not an ISO 8601 date-time"),
        ("{{RUN_START_TIME}}", "is not an ISO 8601 date-time"),
        ("2020-02-30T00:00:00Z", "is not a valid date-time"),
        ("2020-12-28T24:00:00Z", "is not a valid date-time"),
        ("2016-12-31T23:59:60Z", "is not a valid date-time"),
        ("2020-12-28T19:51:01+24:00", "invalid UTC offset"),
        ("1969-12-31T23:59:59.999999Z", "before 1970-01-01T00:00:00Z"),
        ("1970-01-01T00:30:00+01:00", "before 1970-01-01T00:00:00Z"),
        ("0000-01-01T00:00:00Z", "is not a valid date-time"),
        ("9999-12-31T23:00:00-05:00", "after 9999-12-31T23:59:59.999999Z"),
        ("10000-01-01T00:00:00Z", "is not an ISO 8601 date-time"),
    ],
)
def test_rejected(value: object, reason: str) -> None:
    with pytest.raises(ValidationError, match="eventTime") as caught:
        event_time_micros(value)
    assert reason in caught.value.reason


def test_long_values_are_shortened_in_the_reason() -> None:
    with pytest.raises(ValidationError) as caught:
        event_time_micros("x" * 10_000)
    assert len(caught.value.reason) < 200
