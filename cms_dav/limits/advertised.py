"""The CalDAV limit properties a calendar advertises (RFC 4791 §5.2.6-§5.2.8), so a
client can learn the bounds before a query is refused for passing them. Server-set:
shown on every calendar, never stored from a PROPPATCH."""

from __future__ import annotations

from cms_dav.config import Limits


def calendar_properties(limits: Limits) -> dict[str, str]:
    return {"C:max-instances": str(limits.max_instances),
            "C:min-date-time": limits.min_date_time,
            "C:max-date-time": limits.max_date_time}


SERVER_SET = frozenset(calendar_properties(Limits()))
