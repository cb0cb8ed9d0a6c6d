"""``[birthdays] alarms``: "09:00, -1d 09:00" -> offsets from the start of the day."""

from __future__ import annotations

import re
from datetime import timedelta

_ONE = re.compile(r"\s*(?:(-?\d{1,3})d\s+)?(\d{1,2}):(\d{2})\s*")


def parse_alarms(text: str) -> tuple[timedelta, ...]:
    """Each "[-Nd ]HH:MM": N days from the event's day, at HH:MM local time (RFC 5545
    §3.8.6.3 relative TRIGGER from the all-day DTSTART). Empty text: no alarm."""
    offsets = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _ONE.fullmatch(part)
        if match is None:
            raise ValueError(f"alarm {part.strip()!r}: expected [-Nd ]HH:MM")
        days, hours, minutes = int(match.group(1) or 0), int(match.group(2)), int(match.group(3))
        if hours > 23 or minutes > 59:
            raise ValueError(f"alarm {part.strip()!r}: not a time of day")
        offsets.append(timedelta(days=days, hours=hours, minutes=minutes))
    return tuple(offsets)
