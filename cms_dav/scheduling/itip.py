"""iTIP (RFC 5546) views of a stored calendar object, for implicit scheduling.

Pure functions over iCalendar text: who organizes and who attends an event, the
attendee's copy of it, the message put in an inbox (``METHOD:REQUEST``/``CANCEL``)
and the organizer's copy with an attendee's answer. Every event component of the
object (the master and its overridden instances, RFC 5545 §3.8.4.4) is treated alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import vobject

from cms_dav.scheduling.addresses import normalized

#: the properties whose change moves the meeting: attendees must answer again (RFC 6638 §3.2.8)
TIME_PROPERTIES = ("dtstart", "dtend", "duration", "rrule", "rdate", "exdate")
#: parameters only the server sets on the copies it delivers (RFC 6638 §7.1-7.3)
SERVER_PARAMS = ("SCHEDULE-STATUS", "SCHEDULE-FORCE-SEND")
NEEDS_ACTION = "NEEDS-ACTION"


@dataclass(frozen=True)
class Event:
    """The scheduling facts of one calendar object."""
    uid: str
    organizer: str
    #: normalized attendee address → PARTSTAT, of those the server schedules
    attendees: dict[str, str]
    cancelled: bool
    #: the values that place the meeting in time, to tell a move from other edits
    timing: tuple[str, ...]


def parse(text: str) -> Any | None:
    """The VCALENDAR of ``text``, or None when it holds no VEVENT."""
    try:
        calendar = vobject.readOne(text)
    except Exception:  # noqa: BLE001 - vobject raises many types; stored text was valid
        return None
    return calendar if getattr(calendar, "vevent_list", None) else None


def events(calendar: Any) -> Iterator[Any]:
    yield from calendar.vevent_list


def event_of(calendar: Any) -> Event | None:
    """The scheduling facts, or None for an event without ORGANIZER."""
    master = calendar.vevent_list[0]
    if "organizer" not in master.contents or "uid" not in master.contents:
        return None
    attendees: dict[str, str] = {}
    for line in master.contents.get("attendee", []):
        if _param(line, "SCHEDULE-AGENT", "SERVER").upper() != "SERVER":
            continue  # RFC 6638 §7.1: the client schedules this one itself
        attendees[normalized(str(line.value))] = _param(line, "PARTSTAT", NEEDS_ACTION).upper()
    timing = tuple(f"{name}={line.serialize()}" for event in events(calendar)
                   for name in TIME_PROPERTIES for line in event.contents.get(name, []))
    status = str(master.status.value).upper() if "status" in master.contents else ""
    return Event(uid=str(master.uid.value), organizer=normalized(str(master.organizer.value)),
                 attendees=attendees, cancelled=status == "CANCELLED", timing=timing)


def _param(line: Any, name: str, default: str) -> str:
    values = line.params.get(name)
    return str(values[0]) if values else default


def attendee_copy(calendar: Any, attendee: str, partstat: str | None,
                  cancelled: bool = False) -> str:
    """The organizer's event as ``attendee`` keeps it: their PARTSTAT (``partstat``, or
    the organizer's value, or NEEDS-ACTION), no organizer alarms, no server-only
    parameters; STATUS:CANCELLED when ``cancelled``."""
    copy = vobject.readOne(calendar.serialize())
    for event in events(copy):
        for alarm in list(event.contents.get("valarm", [])):
            event.remove(alarm)
        for line in event.contents.get("attendee", []) + event.contents.get("organizer", []):
            for name in SERVER_PARAMS:
                line.params.pop(name, None)
            if normalized(str(line.value)) == attendee and partstat:
                line.params["PARTSTAT"] = [partstat]
            elif normalized(str(line.value)) == attendee:
                line.params.setdefault("PARTSTAT", [NEEDS_ACTION])
        if cancelled:
            _set(event, "status", "CANCELLED")
    if "method" in copy.contents:
        del copy.contents["method"]
    return str(copy.serialize())


def message(copy_text: str, method: str) -> str:
    """The iTIP message of an attendee's copy (RFC 5546 §3.2.2 REQUEST, §3.2.5 CANCEL)."""
    calendar = vobject.readOne(copy_text)
    calendar.add("method").value = method
    return str(calendar.serialize())


def with_answer(organizer_text: str, attendee: str, partstat: str,
                schedule_status: bool = True) -> str | None:
    """The organizer's copy with ``attendee``'s PARTSTAT and SCHEDULE-STATUS 2.0
    (RFC 6638 §3.2.11), or None when it does not list them or already says so.
    ``schedule_status=False``: another attendee's copy (no server-only parameters)."""
    calendar = vobject.readOne(organizer_text)
    changed = False
    for event in events(calendar):
        for line in event.contents.get("attendee", []):
            if normalized(str(line.value)) != attendee:
                continue
            if _param(line, "PARTSTAT", NEEDS_ACTION).upper() != partstat:
                line.params["PARTSTAT"] = [partstat]
                if schedule_status:
                    line.params["SCHEDULE-STATUS"] = ["2.0"]
                changed = True
    return str(calendar.serialize()) if changed else None


def _set(component: Any, name: str, value: str) -> None:
    if name in component.contents:
        component.contents[name][0].value = value
    else:
        component.add(name).value = value
