"""Free-busy for local users, asked through the outbox (RFC 6638 §3.2.9 / RFC 5546
§3.3.2 VFREEBUSY REQUEST): busy periods from each calendar of the recipient, merged
into one ``VFREEBUSY`` reply per recipient (METHOD:REPLY)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import vobject
from radicale.item.filter import visit_time_ranges

from cms_dav.scheduling.mailboxes import INBOX
from cms_dav.store.store import Store

#: vobject writes this UTC as "Z" (it cannot name datetime.timezone.utc)
UTC = vobject.icalendar.utc
#: a free-busy query spans at most this long (bounds the occurrences expanded)
MAX_SPAN = datetime.timedelta(days=366)


class FreeBusyError(ValueError):
    """The request is not a VFREEBUSY REQUEST this server can answer; says why."""


@dataclass(frozen=True)
class Query:
    uid: str
    organizer: str
    attendees: tuple[str, ...]
    start: datetime.datetime
    end: datetime.datetime


def parse_query(text: str, max_attendees: int) -> Query:
    """The query of a POSTed VFREEBUSY REQUEST (RFC 5546 §3.3.2)."""
    try:
        calendar = vobject.readOne(text)
        request = calendar.vfreebusy
    except Exception:  # noqa: BLE001 - vobject raises many types for hostile input
        raise FreeBusyError("the body is not a VCALENDAR with a VFREEBUSY") from None
    if str(getattr(calendar, "method", None) and calendar.method.value).upper() != "REQUEST":
        raise FreeBusyError("a free-busy request has METHOD:REQUEST (RFC 5546 §3.3.2)")
    try:
        start, end = _utc(request.dtstart.value), _utc(request.dtend.value)
    except AttributeError:
        raise FreeBusyError("the VFREEBUSY has no DTSTART and DTEND") from None
    if not start < end or end - start > MAX_SPAN:
        raise FreeBusyError(f"the range must be positive and at most {MAX_SPAN.days} days")
    attendees = tuple(str(line.value) for line in request.contents.get("attendee", []))
    if not attendees or len(attendees) > max_attendees:
        raise FreeBusyError(f"a free-busy request names 1 to {max_attendees} attendees")
    organizer = str(request.organizer.value) if "organizer" in request.contents else ""
    uid = str(request.uid.value) if "uid" in request.contents else ""
    return Query(uid, organizer, attendees, start, end)


def _utc(value: Any) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time.min)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def busy_periods(store: Store, user: str, start: datetime.datetime,
                 end: datetime.datetime, max_instances: int
                 ) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The merged busy periods of ``user``'s events in [start, end): opaque events that
    are not cancelled (RFC 5545 §3.8.2.7, §3.8.1.11), at most ``max_instances``."""
    periods: list[tuple[datetime.datetime, datetime.datetime]] = []

    def component_fn(component: Any) -> bool:
        transp = str(getattr(component, "transp", None) and component.transp.value).upper()
        status = str(getattr(component, "status", None) and component.status.value).upper()
        return transp != "TRANSPARENT" and status != "CANCELLED"

    def range_fn(first: datetime.datetime, last: datetime.datetime, _more: bool) -> bool:
        first, last = max(_utc(first), start), min(_utc(last), end)
        if first < last:
            periods.append((first, last))
        return len(periods) >= max_instances

    for collection in store.children(user):
        if collection.tag != "VCALENDAR" or collection.path == f"{user}/{INBOX}":
            continue
        for item in store.items_in_range(collection.id, "VEVENT", int(start.timestamp()),
                                         int(end.timestamp())):
            calendar = vobject.readOne(item.text or "")
            visit_time_ranges(calendar, "VEVENT", range_fn, lambda _start: False,
                              component_fn)
            if len(periods) >= max_instances:
                break
    return _merged(periods)


def _merged(periods: list[tuple[datetime.datetime, datetime.datetime]]
            ) -> list[tuple[datetime.datetime, datetime.datetime]]:
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for first, last in sorted(periods):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def reply(query: Query, attendee: str,
          periods: list[tuple[datetime.datetime, datetime.datetime]]) -> str:
    """The VFREEBUSY reply (RFC 5546 §3.3.3) for one recipient."""
    calendar = vobject.iCalendar()
    calendar.add("method").value = "REPLY"
    answer = calendar.add("vfreebusy")
    if query.uid:
        answer.add("uid").value = query.uid
    answer.add("dtstamp").value = datetime.datetime.now(UTC).replace(microsecond=0)
    answer.add("dtstart").value = query.start
    answer.add("dtend").value = query.end
    if query.organizer:
        answer.add("organizer").value = query.organizer
    answer.add("attendee").value = attendee
    for first, last in periods:
        line = answer.add("freebusy")
        line.value = [(first, last)]
        line.params["FBTYPE"] = ["BUSY"]
    return str(calendar.serialize())


__all__ = ["FreeBusyError", "Query", "busy_periods", "parse_query", "reply"]
