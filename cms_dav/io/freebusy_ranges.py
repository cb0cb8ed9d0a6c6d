"""Time ranges of a VFREEBUSY calendar object (RFC 4791 §9.9), which Radicale lacks.

A calendar collection may hold VFREEBUSY components (RFC 4791 §4.1, §5.2.3). Radicale's
``visit_time_ranges`` treats any component name other than VEVENT/VTODO/VJOURNAL/VALARM
as a *property* and reads ``.value`` of the component, which it has not: every PUT of a
VFREEBUSY object was refused (``AttributeError: value`` while computing its time range)
and a time-range query on VFREEBUSY failed. The replacement visits, per RFC 4791 §9.9,
the component's DTSTART..DTEND when it has both, else each FREEBUSY period (RFC 5545
§3.8.2.6: ``start/end`` or ``start/duration``); a VFREEBUSY with neither has no range.
Every other component goes to Radicale's own visitor unchanged.

Installed and shape-checked through :mod:`cms_dav.radicale_compat.patches`.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Iterator

from radicale.item.filter import date_to_datetime

from cms_dav import radicale_compat

Range = tuple[datetime.datetime, datetime.datetime, bool]


def freebusy_ranges(component: Any) -> Iterator[Range]:
    """(start, end, more may follow out of order) of one VFREEBUSY component."""
    starts, ends = component.contents.get("dtstart"), component.contents.get("dtend")
    if starts and ends:
        yield date_to_datetime(starts[0].value), date_to_datetime(ends[0].value), False
        return
    for line in component.contents.get("freebusy", []):
        for period in line.value if isinstance(line.value, list) else []:
            start = date_to_datetime(period[0])
            end = (start + period[1] if isinstance(period[1], datetime.timedelta)
                   else date_to_datetime(period[1]))
            # periods need not be sorted: "True" keeps Radicale's visitors from
            # stopping at the first period after the queried range
            yield start, end, True


def _visitor(original: Callable[..., None]) -> Callable[..., None]:
    def visit_time_ranges(vobject_item: Any, child_name: str,
                          range_fn: Callable[[datetime.datetime, datetime.datetime, bool], bool],
                          infinity_fn: Callable[[datetime.datetime], bool],
                          component_fn: Callable[[Any], bool | None] | None = None) -> None:
        if child_name.upper() != "VFREEBUSY":
            return original(vobject_item, child_name, range_fn, infinity_fn, component_fn)
        for component in vobject_item.contents.get("vfreebusy", []):
            if component_fn is not None and component_fn(component) is False:
                continue
            for start, end, unordered in freebusy_ranges(component):
                if range_fn(start, end, unordered):
                    return None
        return None
    visit_time_ranges.__doc__ = original.__doc__
    return visit_time_ranges


def install() -> None:
    """Give VFREEBUSY objects their time ranges, once per process."""
    radicale_compat.wrap_time_range_visitor(_visitor)
