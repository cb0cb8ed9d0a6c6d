"""Occurrence ranges of calendar objects, indexed at write time (issue 19 item 3).

A calendar-query with a time-range (RFC 4791 §9.9) must expand every recurring
candidate; stock Radicale does so at query time for every object whose enclosing
range overlaps the query, and that range of an endless RRULE is endless. Here each
object's ranges are computed once, when it is written, by Radicale's own visitor
(``radicale.item.filter.visit_time_ranges``, the one its filter uses), and kept in
``calendar_occurrences`` in the write's transaction (:class:`OccurrenceHook`).

- **Horizon.** An endless rule (or one with more than :data:`MAX_ROWS` occurrences)
  is indexed up to ``horizon_days`` after the write; ``calendar_spans.until`` records
  where the rows stop, and a query reaching past it treats the object as a candidate,
  so Radicale expands it and answers stay correct. ``cms-dav reindex`` moves the
  horizons forward.
- **Floating and all-day times** (no UTC offset; RFC 5545 §3.3.5 form #1, §3.3.4) are
  widened by 14 h on each side and marked inexact: they are candidates only, and
  Radicale's filter decides.
- **EXDATE, RDATE and RECURRENCE-ID overrides** are whatever the visitor yields
  (an override's own range is a row; the instance it replaces is not).
- Objects the visitor cannot read get one endless row: always candidates.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import vobject
from radicale.item import filter as radicale_filter
from sqlalchemy import Connection, delete, select

from cms_dav.acl.generated import MARKER as GENERATED
from cms_dav.store import collections, paths
from cms_dav.store import items as item_rows
from cms_dav.store.records import CollectionRecord, ItemRecord
from cms_dav.store.schema import calendar_occurrences, calendar_spans, items
from cms_dav.store.schema import collections as collection_rows
from cms_dav.store.store import Store

#: components Radicale's time-range filter visits (RFC 4791 §9.9)
COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")
#: the widest UTC offsets in use (UTC-12 .. UTC+14): a floating time is somewhere in it
FLOATING_SLACK = 14 * 3600
#: occurrence rows per object; past them the object is indexed up to the last one
MAX_ROWS = 2000
MIN_TS, MAX_TS = radicale_filter.TIMESTAMP_MIN, radicale_filter.TIMESTAMP_MAX
#: date-time properties whose value decides whether an object is floating
_TIME_PROPS = ("dtstart", "dtend", "due", "recurrence_id", "rdate", "exdate", "completed",
               "created")


class _Stop(Exception):
    """Raised from the visitor's callback: the horizon or the row cap was reached."""


@dataclass
class Occurrences:
    """What is indexed for one object."""

    rows: list[tuple[int, int]] = field(default_factory=list)
    #: the rows are exactly the ranges Radicale's filter tests (nothing widened)
    exact: bool = False
    #: occurrences starting at or after this instant are not in ``rows``
    until: int = MAX_TS


def _floating(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for one in values:
        if isinstance(one, tuple):  # a PERIOD
            one = one[0]
        if isinstance(one, datetime):
            if one.tzinfo is None:
                return True
        elif isinstance(one, date):
            return True
    return False


def _has_floating(calendar: Any, component: str) -> bool:
    for comp in getattr(calendar, f"{component.lower()}_list", []):
        for name in _TIME_PROPS:
            if any(_floating(line.value) for line in comp.contents.get(name, [])):
                return True
    return False


def compute(text: str, component: str, horizon: int) -> Occurrences:
    """The occurrence ranges of one stored object up to ``horizon`` (POSIX seconds)."""
    if component not in COMPONENTS:
        return Occurrences([(MIN_TS, MAX_TS)])
    try:
        calendar = vobject.readOne(text)
        floating = _has_floating(calendar, component)
    except Exception:  # noqa: BLE001 - unreadable: always a candidate, Radicale decides
        return Occurrences([(MIN_TS, MAX_TS)])
    found = Occurrences(exact=not floating)
    slack = FLOATING_SLACK if floating else 0

    def range_fn(start: datetime, end: datetime, is_recurrence: bool) -> bool:
        begin = math.floor(start.timestamp())
        if (not is_recurrence and begin >= horizon) or len(found.rows) >= MAX_ROWS:
            # A VEVENT's main series comes last and in order (the ranges not indexed
            # start at ``begin`` or later); overrides and other components' ranges
            # need not be in order: the object stays a candidate
            cut = component == "VEVENT" and not is_recurrence
            found.until = begin - slack if cut else MIN_TS
            raise _Stop
        found.rows.append((begin - slack, math.ceil(end.timestamp()) + slack))
        return False

    try:
        radicale_filter.visit_time_ranges(calendar, component, range_fn, lambda _: False)
    except _Stop:
        pass
    except Exception:  # noqa: BLE001 - Radicale's filter fails on it too: it decides
        return Occurrences([(MIN_TS, MAX_TS)])
    # Radicale's own visitor stops at a range past the query only in VEVENTs' main
    # series (sorted); other components are candidates, Radicale decides
    found.exact = found.exact and component == "VEVENT"
    return found


def drop(conn: Connection, ids: list[int]) -> None:
    """Forget objects' rows (the FK cascade does this on delete)."""
    conn.execute(delete(calendar_occurrences).where(calendar_occurrences.c.item_id.in_(ids)))
    conn.execute(delete(calendar_spans).where(calendar_spans.c.item_id.in_(ids)))


def write(conn: Connection, ident: int, collection_id: int, etag: str,
          found: Occurrences, fresh: bool = False) -> None:
    if not fresh:
        drop(conn, [ident])
    conn.execute(calendar_spans.insert(), [{
        "item_id": ident, "collection_id": collection_id, "etag": etag,
        "exact": found.exact, "until": found.until}])
    if found.rows:
        conn.execute(calendar_occurrences.insert(), [
            {"item_id": ident, "start_utc": start, "end_utc": end}
            for start, end in found.rows])


_ITEM_ID = select(items.c.id)


class OccurrenceHook:
    """A ``cms_dav.store.store.WriteHook``: keeps a calendar object's occurrence rows in
    the write's transaction; vCards and other items are ignored."""

    def __init__(self, horizon_days: int) -> None:
        #: how far after a write an endless rule is indexed
        self.horizon_days = horizon_days

    def horizon(self) -> int:
        return int(time.time()) + self.horizon_days * 86400

    def item_written(self, conn: Connection, collection: CollectionRecord,
                     new: ItemRecord, old: ItemRecord | None) -> None:
        if GENERATED in collection.props:
            # birthdays and follow-ups are rebuilt wholesale from contacts: not parsed
            # again here; their queries expand as in stock Radicale
            return
        if new.name.upper() != "VCALENDAR" or new.text is None:
            if old is not None and old.name.upper() == "VCALENDAR":
                self._drop_href(conn, collection.id, new.href)
            return
        ident = new.id if new.id is not None else conn.execute(_ITEM_ID.where(
            items.c.collection_id == collection.id, items.c.href == new.href)).scalar()
        if ident is None:
            return
        found = compute(new.text, new.component.upper(), self.horizon())
        write(conn, ident, collection.id, new.etag, found, fresh=old is None)

    def item_deleted(self, conn: Connection, collection: CollectionRecord,
                     old: ItemRecord) -> None:
        """Nothing to do: the rows go with the item (ON DELETE CASCADE; both backends
        enforce foreign keys, see cms_dav.store.engine)."""

    @staticmethod
    def _drop_href(conn: Connection, collection_id: int, href: str) -> None:
        ident = conn.execute(_ITEM_ID.where(items.c.collection_id == collection_id,
                                            items.c.href == href)).scalar()
        if ident is not None:
            drop(conn, [ident])


def reindex(store: Store, hook: OccurrenceHook, path: str = "") -> int:
    """Rebuild the occurrence rows of every calendar at or below ``path`` (new horizons);
    returns the objects indexed. One transaction per calendar, as the contact index."""
    prefix = paths.strip(path) if path else ""
    with store.reading() as conn:
        query = select(collection_rows.c.path).where(collection_rows.c.tag == "VCALENDAR")
        calendars = [p for (p,) in conn.execute(query)
                     if not prefix or p == prefix or p.startswith(prefix + "/")]
    count = 0
    for calendar in sorted(calendars):
        with store.writing() as conn:
            record = collections.get(conn, calendar)
            if record is None:
                continue
            ids = list(conn.execute(select(items.c.id).where(
                items.c.collection_id == record.id)).scalars())
            for start in range(0, len(ids), 500):
                drop(conn, ids[start:start + 500])
            for item in list(item_rows.iter_all(conn, record.id)):
                hook.item_written(conn, record, item, None)
                count += 1
    return count
