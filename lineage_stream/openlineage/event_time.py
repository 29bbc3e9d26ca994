"""``eventTime`` → microseconds since the Unix epoch, UTC.

Accepted: RFC 3339 / ISO 8601 extended date-times, ``YYYY-MM-DDTHH:MM[:SS[.fraction]][zone]``,
with these leniencies seen in real producers:

- no zone at all (the Python client's serde fixtures, Marquez tests): taken as UTC;
- any number of fractional digits (milliseconds, microseconds, nanoseconds): digits past the
  sixth are truncated, never rounded, so an instant never moves into the next microsecond;
- zone ``Z`` / ``z``, ``+HH:MM``, ``+HHMM`` or ``+HH``; a space instead of ``T``.

Rejected (``ValidationError``): anything else, impossible dates and times (Feb 30, hour 24,
leap second 60), and instants before 1970-01-01T00:00:00Z or after 9999-12-31T23:59:59.999999Z.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from lineage_stream.errors import ValidationError
from lineage_stream.openlineage.shapes import json_type_name

_DATE_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,32}))?)?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<zone_hour>\d{2})(?::?(?P<zone_minute>\d{2}))?)?",
    re.ASCII,
)
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_MAX_MICROS = (datetime(9999, 12, 31, 23, 59, 59, 999_999) - _EPOCH) // _MICROSECOND
_PREVIEW = 60


def event_time_micros(value: object) -> int:
    """Parse an ``eventTime`` member; raises ``ValidationError`` naming what is wrong with it."""
    if value is None:
        raise ValidationError("eventTime is missing")
    if not isinstance(value, str):
        raise ValidationError(f"eventTime must be string, got {json_type_name(value)}")
    shown = value if len(value) <= _PREVIEW else value[:_PREVIEW] + "…"
    match = _DATE_TIME.fullmatch(value.strip())
    if match is None:
        raise ValidationError(f"eventTime {shown!r} is not an ISO 8601 date-time")
    wall_clock = f"{match['date']}T{match['hour']}:{match['minute']}:{match['second'] or '00'}"
    try:
        local = datetime.fromisoformat(wall_clock)
    except ValueError as problem:
        raise ValidationError(f"eventTime {shown!r} is not a valid date-time: {problem}") from None
    offset_minutes = 0
    if match["sign"] is not None:
        zone_hour, zone_minute = int(match["zone_hour"]), int(match["zone_minute"] or 0)
        if zone_hour > 23 or zone_minute > 59:
            raise ValidationError(f"eventTime {shown!r} has an invalid UTC offset")
        offset_minutes = (zone_hour * 60 + zone_minute) * (-1 if match["sign"] == "-" else 1)
    fraction = int((match["fraction"] or "")[:6].ljust(6, "0"))
    micros = (local - _EPOCH) // _MICROSECOND + fraction - offset_minutes * 60_000_000
    if micros < 0:
        raise ValidationError(f"eventTime {shown!r} is before 1970-01-01T00:00:00Z")
    if micros > _MAX_MICROS:
        raise ValidationError(f"eventTime {shown!r} is after 9999-12-31T23:59:59.999999Z")
    return micros
