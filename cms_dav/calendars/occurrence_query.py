"""Candidates for a calendar-query time-range (RFC 4791 §9.9), from the occurrence index.

Radicale's storage API lets a collection hand each candidate to the report with a
flag "the filter is known to match"; unflagged candidates go through Radicale's own
filter (expanding the recurrence). This module chooses both from
``calendar_occurrences`` (:mod:`cms_dav.calendars.occurrences`):

- an object is left out only when its rows are the current version's, cover the
  query (``until``) and none overlaps it; Radicale's filter would then find no
  occurrence either (the first child of the component's comp-filter is the
  time-range, and Radicale tests children in order, RFC 4791 §9.7.1);
- the flag is set only where stock Radicale sets it (its enclosing-range shortcut for
  a filter that is just VCALENDAR > component > time-range), where an exact row
  overlaps (the same ranges its filter would test, with the same comparison), or
  where a VEVENT's row lies inside the query: a floating time widened by 14 h each
  way then overlaps the query whatever zone it is read in.

Everything else (floating and all-day times, past the horizon, unreadable, not yet
indexed) is an unflagged candidate: Radicale decides, so the answer stays its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable
from xml.etree.ElementTree import Element

from radicale.item import filter as radicale_filter
from sqlalchemy import Connection, exists, or_, select

from cms_dav.calendars.occurrences import COMPONENTS, OccurrenceHook
from cms_dav.store.schema import calendar_occurrences, calendar_spans, items
from cms_dav.store.store import Store

_C = "{urn:ietf:params:xml:ns:caldav}"


@dataclass(frozen=True)
class TimeRange:
    """The time-range of a component's comp-filter, as POSIX seconds."""

    component: str
    start: int
    end: int


def index_kept(store: Store) -> bool:
    """Does this store keep the occurrence index in its writes (``[storage]
    occurrence_horizon_days`` > 0)? Otherwise queries expand every candidate."""
    return any(isinstance(hook, OccurrenceHook) for hook in store.write_hooks)


def indexed_range(filters: Iterable[Element]) -> TimeRange | None:
    """The time-range the index can answer: one filter, VCALENDAR > one component
    comp-filter whose first child is a time-range with a start or an end."""
    found = list(filters)
    if len(found) != 1 or found[0].tag != f"{_C}filter" or len(found[0]) != 1:
        return None
    calendar = found[0][0]
    if (calendar.tag != f"{_C}comp-filter" or len(calendar) != 1
            or calendar.get("name", "").upper() != "VCALENDAR"):
        return None
    component = calendar[0]
    name = component.get("name", "").upper()
    if component.tag != f"{_C}comp-filter" or name not in COMPONENTS or len(component) < 1:
        return None
    time_range = component[0]
    if time_range.tag != f"{_C}time-range" or not (
            time_range.get("start") or time_range.get("end")):
        return None
    try:
        start, end = radicale_filter.time_range_timestamps(time_range)
    except ValueError:  # Radicale's own filter answers the malformed range
        return None
    return TimeRange(name, start, end)


def candidates(conn: Connection, collection_id: int, query: TimeRange, simple: bool
               ) -> list[tuple[str, bool]]:
    """(href, filter known to match) of every object that may match, by href.

    ``simple``: Radicale's ``simplify_prefilters`` found the filter to be just the
    time-range (then a match may be flagged, as stock Radicale flags it)."""
    occ = calendar_occurrences.c
    hit = exists().where(occ.item_id == items.c.id, occ.start_utc < query.end,
                         occ.end_utc > query.start)
    # a row inside the query: a widened (floating) range is then a match in every zone
    inside = exists().where(occ.item_id == items.c.id, occ.start_utc >= query.start,
                            occ.end_utc <= query.end)
    # stock Radicale's shortcut on the enclosing range (its get_filtered)
    shortcut = or_(items.c.time_start >= query.start, items.c.time_end <= query.end)
    unreliable = or_(calendar_spans.c.etag.is_(None), calendar_spans.c.etag != items.c.etag,
                     calendar_spans.c.until < query.end)
    statement = (
        select(items.c.href, items.c.time_start, items.c.time_end,
               calendar_spans.c.etag.label("span_etag"), items.c.etag,
               calendar_spans.c.exact, calendar_spans.c.until, hit.label("hit"),
               inside.label("inside"))
        .select_from(items.outerjoin(calendar_spans, calendar_spans.c.item_id == items.c.id))
        # stock Radicale's prefilter on the enclosing range, then the index
        .where(items.c.collection_id == collection_id, items.c.component == query.component,
               items.c.time_start < query.end, items.c.time_end > query.start,
               or_(shortcut, unreliable, hit))
        .order_by(items.c.href))
    chosen: list[tuple[str, bool]] = []
    for row in conn.execute(statement):
        short = query.start <= row.time_start or row.time_end <= query.end
        current = row.span_etag == row.etag
        exact = current and bool(row.exact) and bool(row.hit) and query.end <= row.until
        # only a VEVENT's ranges are visited in order by Radicale (see occurrences.py)
        contained = current and bool(row.inside) and query.component == "VEVENT"
        chosen.append((row.href, simple and (short or exact or contained)))
    return chosen
