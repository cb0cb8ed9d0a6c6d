"""A recurring VTODO as its instances in a range (``CALDAV:expand``, RFC 4791 §9.6.5),
which Radicale does for VEVENTs only.

Each instance is a VTODO with RECURRENCE-ID and without RRULE/RDATE/EXDATE; its
DTSTART is the occurrence and its DUE keeps the master's distance to DTSTART; an
overridden instance (a VTODO with that RECURRENCE-ID) stands for the generated one.
Date-times come out in UTC (§9.6.5), dates stay dates; the VTIMEZONEs go.
"""

from __future__ import annotations

import datetime
from typing import Any

import vobject

#: vobject writes date-times in this zone with a ``Z`` (it cannot name Python's own)
UTC = vobject.icalendar.utc
RULE_PROPS = ("rrule", "rdate", "exdate", "exrule")
TIME_PROPS = ("dtstart", "due", "recurrence_id", "completed")


class TooManyInstances(ValueError):
    """The range holds more instances than the caller allows."""


Window = tuple[datetime.datetime, datetime.datetime]


def expand_todos(text: str, start: datetime.datetime, end: datetime.datetime,
                 max_instances: int, time_range: Window | None = None
                 ) -> tuple[str, int] | None:
    """(the calendar object with its recurring VTODO expanded, the instance count);
    None when ``text`` holds no recurring VTODO (it is answered as it is, or left out
    when a VTODO of it misses ``time_range``: count 0). Instances outside
    ``time_range`` are left out too (the query's time-range filter, RFC 4791 §9.9)."""
    calendar = vobject.readOne(text)
    todos = list(getattr(calendar, "vtodo_list", []))
    masters = [todo for todo in todos if "recurrence-id" not in todo.contents
               and "rrule" in todo.contents and "dtstart" in todo.contents]
    if len(masters) != 1:
        if time_range is not None and todos and \
                not any(overlaps(todo, *time_range) for todo in todos):
            return "", 0
        return None
    master = masters[0]
    overrides = {_utc(todo.recurrence_id.value): todo for todo in todos
                 if "recurrence-id" in todo.contents}
    all_day = not isinstance(master.dtstart.value, datetime.datetime)
    lower, upper = (start.replace(tzinfo=None), end.replace(tzinfo=None)) if all_day \
        else (start, end)
    occurrences = master.getrruleset(addRDate=True).between(lower, upper, inc=True)
    if len(occurrences) > max_instances:
        raise TooManyInstances(f"the expanded range holds more than {max_instances} "
                               "instances of one task")
    due_after = (master.due.value - master.dtstart.value) if "due" in master.contents \
        else None
    instances = []
    for occurrence in occurrences:
        instance = overrides.get(_utc(occurrence))
        if instance is None:
            instance = _instance(master, occurrence, due_after, all_day)
        if time_range is not None and not overlaps(instance, *time_range):
            continue
        _to_utc(instance)
        instances.append(instance)
    for component in list(calendar.getChildren()):
        if component.name in ("VTODO", "VTIMEZONE"):
            calendar.remove(component)
    for instance in instances:
        calendar.add(instance)
    return calendar.serialize(), len(instances)


def overlaps(todo: Any, start: datetime.datetime, end: datetime.datetime) -> bool:
    """Whether the VTODO ``todo`` overlaps [start, end) (RFC 4791 §9.9, VTODO table)."""
    def value(name: str) -> datetime.datetime | None:
        line = getattr(todo, name, None)
        return None if line is None else _moment(line.value)
    dtstart, due, completed, created = (value(name) for name in
                                        ("dtstart", "due", "completed", "created"))
    duration = getattr(todo, "duration", None)
    if dtstart is not None and duration is not None:
        finish = dtstart + duration.value
        return start <= finish and (end > dtstart or end >= finish)
    if dtstart is not None and due is not None:
        return (start <= dtstart or start < due) and (end > dtstart or end >= due)
    if dtstart is not None:
        return start <= dtstart < end
    if due is not None:
        return start < due <= end
    if completed is not None and created is not None:
        return (start <= created or start <= completed) and \
            (end >= created or end >= completed)
    if completed is not None:
        return start <= completed <= end
    if created is not None:
        return end > created
    return True


def _moment(value: Any) -> datetime.datetime:
    """A DATE or DATE-TIME value as an aware date-time (dates and floating times as
    UTC)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    return _utc(value)


def _instance(master: Any, occurrence: Any, due_after: Any, all_day: bool) -> Any:
    instance = master.duplicate(master)
    for name in RULE_PROPS:
        while name.replace("_", "-") in instance.contents:
            instance.remove(getattr(instance, name))
    value = occurrence.date() if all_day and isinstance(occurrence, datetime.datetime) \
        else occurrence
    instance.dtstart.value = value
    if due_after is not None:
        instance.due.value = value + due_after
    instance.add("recurrence-id").value = value
    return instance


def _utc(value: Any) -> Any:
    """A date-time in UTC (floating ones read as UTC); a date as it is."""
    if not isinstance(value, datetime.datetime):
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _to_utc(component: Any) -> None:
    for name in TIME_PROPS:
        line = getattr(component, name, None)
        if line is not None and isinstance(line.value, datetime.datetime):
            line.value = _utc(line.value)
            for param in ("TZID", "X-VOBJ-ORIGINAL-TZID"):  # the latter: vobject's memo
                line.params.pop(param, None)
