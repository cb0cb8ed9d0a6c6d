"""Split an .ics file into one calendar object per UID, as CalDAV stores them (each
kept as the file has it, issue 12).

A recurring event's overrides (same UID, RECURRENCE-ID) must travel with
their master, and every object needs the VTIMEZONEs its TZIDs name, or
clients show the event at the wrong hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import icalendar

from cms_dav.io.content_uid import content_uuid
from cms_dav.io.encoding import decode_bytes
from cms_dav.io.ics_parts import IcsError, split_components
from cms_dav.io.object_check import check_object
from cms_dav.io.object_split import (CalendarObjectText, SplitError, calendar_parts,
                                     split_calendar_texts)

OBJECT_KINDS = ("VEVENT", "VTODO", "VJOURNAL")


@dataclass
class CalendarObjectResult:
    """One calendar object: ``text`` when usable, else ``error`` says why."""

    index: int        # 1-based, in order of first appearance of the UID
    line: int         # physical line of its first component
    uid: str
    text: str | None = None
    error: str | None = None


def split_ics(data: bytes | str) -> Iterator[CalendarObjectResult]:
    """Yield each object of the file; raises IcsError if the file cannot be split.

    Each object keeps the file's own lines (:mod:`cms_dav.io.object_split`: its
    VCALENDAR's lines without METHOD, the VTIMEZONEs it uses, its components), CRLF
    line ends; a component without UID gets one derived from its content, inserted
    after its BEGIN line (re-importing the file then updates instead of duplicating).
    """
    text = decode_bytes(data)[0] if isinstance(data, bytes) else data
    split_components(text)  # structure first: IcsError names the line
    try:
        _, components = calendar_parts(text)
        uid_of = {index: content_uuid("\n".join(line.unfolded for line in comp.lines))
                  for index, comp in enumerate(components)
                  if comp.name in OBJECT_KINDS and not comp.prop("UID")}
        objects = split_calendar_texts(text, uid_of)
    except SplitError as exc:
        raise IcsError(str(exc)) from None
    for index, found in enumerate(objects, start=1):
        yield _checked(index, found)


def _checked(index: int, found: CalendarObjectText) -> CalendarObjectResult:
    """The object, or the reason it cannot be stored (RFC 4791 §4.1, RFC 5545)."""
    def refused(problem: str) -> CalendarObjectResult:
        return CalendarObjectResult(index, found.line, found.uid, error=problem)

    if len(found.kinds) > 1:
        return refused(f"UID {found.uid} is used by both {' and '.join(sorted(found.kinds))}")
    if found.missing_tzids and not all(_is_known_zone(t) for t in found.missing_tzids):
        return refused(f"TZID {', '.join(found.missing_tzids)} has no VTIMEZONE in the file")
    problems = check_object(found.text, "VCALENDAR")
    if problems:
        return refused("not valid iCalendar: " + "; ".join(
            f"{p} of the object" if p.line else str(p) for p in problems))
    try:
        icalendar.Calendar.from_ical(found.text)
    except ValueError as exc:
        return refused(f"not valid iCalendar: {exc}")
    return CalendarObjectResult(index, found.line, found.uid, text=found.text)


def _is_known_zone(tzid: str) -> bool:
    """Olson names without VTIMEZONE are accepted by clients; made-up ones are not."""
    try:
        import zoneinfo
        zoneinfo.ZoneInfo(tzid)
        return True
    except (KeyError, ValueError, ImportError):
        return False
