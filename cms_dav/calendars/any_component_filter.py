"""A ``prop-filter`` directly under the VCALENDAR ``comp-filter`` that names a property
of the calendar's components (comp-type-optional text search, e.g. python-caldav's
``calendar.search(category=...)`` without ``event=True``).

RFC 4791 §9.7.1 applies such a prop-filter to the VCALENDAR object itself, which never
has SUMMARY, CATEGORIES, UID... so every server matched nothing and clients had to
ask once per component type. Here a prop-filter under VCALENDAR for a property that
not only VCALENDAR has (RFC 5545 §3.7: CALSCALE, METHOD, PRODID, VERSION; RFC 7986
§5) matches when the VCALENDAR object or any VEVENT, VTODO or VJOURNAL in it matches
it; every other filter, and the rest of the query, is Radicale's. Installed and shape-checked by
:func:`cms_dav.radicale_compat.wrap_comp_match`.
"""

from __future__ import annotations

import copy
from typing import Any, Callable
from xml.etree import ElementTree as ET

from radicale.item import filter as radicale_filter

from cms_dav import radicale_compat

PROP_FILTER = "{urn:ietf:params:xml:ns:caldav}prop-filter"
#: properties only the VCALENDAR object has (RFC 5545 §3.7, RFC 7986 §5)
CALENDAR_ONLY = frozenset({"CALSCALE", "METHOD", "PRODID", "VERSION", "NAME",
                           "REFRESH-INTERVAL", "SOURCE"})
COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")

CompMatch = Callable[..., bool]


def comp_match(original: CompMatch) -> CompMatch:
    def match(item: Any, filter_: ET.Element, level: int = 0) -> bool:
        if level != 0 or filter_.get("name", "").upper() != "VCALENDAR":
            return original(item, filter_, level)
        loose = [child for child in filter_ if child.tag == PROP_FILTER
                 and child.get("name", "").upper() not in CALENDAR_ONLY]
        if not loose:
            return original(item, filter_, level)
        calendar = item.vobject_item
        candidates = [calendar] + [component for component in calendar.getChildren()
                                   if component.name in COMPONENTS]
        for prop_filter in loose:
            if not any(radicale_filter.prop_match(candidate, prop_filter, "C")
                       for candidate in candidates):
                return False
        rest = copy.copy(filter_)
        for child in loose:
            rest.remove(child)
        return original(item, rest, level)
    return match


def install() -> None:
    """Let prop-filters under VCALENDAR look into the components, once per process."""
    radicale_compat.wrap_comp_match(comp_match)
