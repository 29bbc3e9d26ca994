"""``--as-of`` and ``--since`` values: ISO 8601 dates and times (UTC unless an offset is given),
relative spans (``90m``, ``36h``, ``7d``, ``2w`` before now), or microseconds since the epoch."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from lineage_stream.query.errors import BadQuery

_RELATIVE = re.compile(r"^(\d{1,6})\s*([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_time(text: str, *, now_us: int) -> int:
    """Microseconds since the epoch, UTC.

    Raises:
        BadQuery: ``text`` is none of the accepted forms.
    """
    value = text.strip()
    relative = _RELATIVE.match(value.lower())
    if relative:
        return now_us - int(relative.group(1)) * _UNIT_S[relative.group(2)] * 1_000_000
    if value.isdigit() and len(value) >= 13:
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadQuery(f"cannot read the time {text!r}: use 2026-11-20, 2026-11-20T02:00:00Z, 7d or 36h") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1_000_000)


def iso(us: int | None) -> str | None:
    """ISO 8601 UTC text of a microsecond timestamp (None stays None)."""
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, tz=timezone.utc).isoformat().replace("+00:00", "Z")
