"""Split an .ics file into one calendar object per UID, as CalDAV stores them.

A recurring event's overrides (same UID, RECURRENCE-ID) must travel with
their master, and every object needs the VTIMEZONEs its TZIDs name, or
clients show the event at the wrong hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import icalendar

from cms_dav.contacts.vcard_lines import CRLF, folded as fold
from cms_dav.io.content_uid import content_uuid
from cms_dav.io.encoding import decode_bytes
from cms_dav.io.ics_parts import Component, split_components

OBJECT_KINDS = ("VEVENT", "VTODO", "VJOURNAL")
PRODID = "-//cms_dav//import//EN"


@dataclass
class CalendarObjectResult:
    """One calendar object: ``text`` when usable, else ``error`` says why."""

    index: int        # 1-based, in order of first appearance of the UID
    line: int         # physical line of its first component
    uid: str
    text: str | None = None
    error: str | None = None


def wrap_calendar(components: list[Component], header: list[str] | None = None) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}"]
    lines += [h for h in (header or [])
              if h.split(":", 1)[0].split(";")[0].upper() in ("CALSCALE",)]
    for comp in components:
        lines += comp.lines
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def split_ics(data: bytes | str) -> Iterator[CalendarObjectResult]:
    """Yield each object of the file; raises IcsError if the file cannot be split."""
    text = decode_bytes(data)[0] if isinstance(data, bytes) else data
    header, components = split_components(text)
    timezones = {c.prop("TZID"): c for c in components if c.name == "VTIMEZONE"}
    groups: dict[str, list[Component]] = {}
    for comp in components:
        if comp.name not in OBJECT_KINDS:
            continue
        uid = comp.prop("UID")
        if not uid:
            uid = content_uuid("\n".join(comp.lines))
            comp.lines.insert(1, f"UID:{uid}")
        groups.setdefault(uid, []).append(comp)
    for index, (uid, members) in enumerate(groups.items(), start=1):
        members.sort(key=lambda c: c.prop("RECURRENCE-ID") is not None)  # master first
        yield _build(index, uid, members, timezones, header)


def _build(index: int, uid: str, members: list[Component],
           timezones: dict[str | None, Component], header: list[str]) -> CalendarObjectResult:
    line = min(c.line for c in members)
    kinds = {c.name for c in members}
    if len(kinds) > 1:
        return CalendarObjectResult(
            index, line, uid, error=f"UID {uid} is used by both {' and '.join(sorted(kinds))}")
    needed = sorted(set().union(*(c.tzids() for c in members)))
    missing = [t for t in needed if t not in timezones]
    zones = [timezones[t] for t in needed if t in timezones]
    text = wrap_calendar(zones + members, header)
    problem = None
    if missing and not all(_is_known_zone(t) for t in missing):
        problem = f"TZID {', '.join(missing)} has no VTIMEZONE in the file"
    else:
        try:
            icalendar.Calendar.from_ical(text)
        except ValueError as exc:
            problem = f"not valid iCalendar: {exc}"
    if problem:
        return CalendarObjectResult(index, line, uid, error=problem)
    return CalendarObjectResult(index, line, uid, text=text)


def _is_known_zone(tzid: str) -> bool:
    """Olson names without VTIMEZONE are accepted by clients; made-up ones are not."""
    try:
        import zoneinfo
        zoneinfo.ZoneInfo(tzid)
        return True
    except (KeyError, ValueError, ImportError):
        return False
