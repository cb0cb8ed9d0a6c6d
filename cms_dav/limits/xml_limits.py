"""``[limits]`` for XML request bodies, checked by expat handlers during the XML guard's
single pass (no tree is built, so a refused body costs only what was read).

- depth and element count of any body (400 / 413);
- properties named in one PROPFIND (403);
- PROPPATCH, extended MKCOL (RFC 5689) and MKCALENDAR (RFC 4791 §5.3.1): properties per
  request and bytes per property value (403; the whole request is refused, so nothing is
  stored, which RFC 4918 §9.2 requires of a PROPPATCH with any failing property);
- the start/end of ``time-range``, ``expand``, ``limit-recurrence-set`` and
  ``limit-freebusy-set`` must be UTC date-times (RFC 4791 §9.9) between
  ``min_date_time`` and ``max_date_time`` (403 ``CALDAV:min-date-time`` /
  ``CALDAV:max-date-time``, RFC 4791 §5.2.6, §5.2.7).
"""

from __future__ import annotations

import re
from typing import Any

from cms_dav.config import Limits
from cms_dav.limits.errors import LimitExceeded

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
_DATED_NAMES = ("time-range", "expand", "limit-recurrence-set", "limit-freebusy-set")
_DATED = {f"{CALDAV} {name}" for name in _DATED_NAMES}
#: the same elements in ElementTree's Clark notation
DATED_TAGS = frozenset(f"{{{CALDAV}}}{name}" for name in _DATED_NAMES)
_UTC = re.compile(r"\d{8}T\d{6}Z")
_SETTERS = {"PROPPATCH", "MKCOL", "MKCALENDAR"}
#: values that are whole iCalendar objects (RFC 4791 §5.2.2): bounded by the line limit
_OBJECT_VALUES = {"calendar-timezone"}


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


class XmlLimitsWatcher:
    """Expat handlers that raise LimitExceeded as soon as a limit is passed."""

    def __init__(self, method: str, limits: Limits) -> None:
        self.method = method.upper()
        self.limits = limits
        self.stack: list[str] = []
        self.elements = 0
        self.propfind_props = 0
        self.set_props = 0
        self.value_depth = 0      # depth of the property element being set, 0 = none
        self.value_name = ""
        self.value_bytes = 0
        self.value_limit = 0

    def attach(self, parser: Any) -> None:
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        if self.method in _SETTERS:
            parser.CharacterDataHandler = self.text

    def start(self, name: str, attrs: dict[str, str]) -> None:
        limits = self.limits
        self.elements += 1
        if self.elements > limits.max_xml_elements:
            raise LimitExceeded(413, None, f"the XML body has more than "
                                f"{limits.max_xml_elements} elements ([limits] "
                                f"max_xml_elements)")
        parent = self.stack[-1] if self.stack else ""
        grandparent = self.stack[-2] if len(self.stack) > 1 else ""
        self.stack.append(name)
        if len(self.stack) > limits.max_xml_depth:
            raise LimitExceeded(400, None, f"the XML body is nested deeper than "
                                f"{limits.max_xml_depth} elements ([limits] max_xml_depth)")
        if parent == f"{DAV} prop":
            if self.method == "PROPFIND" and grandparent == f"{DAV} propfind":
                self.propfind_props += 1
                if self.propfind_props > limits.max_propfind_properties:
                    raise LimitExceeded(403, None, f"the PROPFIND names more than "
                                        f"{limits.max_propfind_properties} properties "
                                        f"([limits] max_propfind_properties)")
            elif self.method in _SETTERS and grandparent in (f"{DAV} set", f"{DAV} remove"):
                self._start_value(name)
        if name in _DATED:
            self._check_dates(name, attrs)

    def _start_value(self, name: str) -> None:
        self.set_props += 1
        if self.set_props > self.limits.max_properties_per_request:
            raise LimitExceeded(403, None, f"the {self.method} sets more than "
                                f"{self.limits.max_properties_per_request} properties "
                                f"([limits] max_properties_per_request); nothing was stored")
        self.value_depth = len(self.stack)
        self.value_name = _local(name)
        self.value_bytes = 0
        self.value_limit = (self.limits.max_line_bytes if self.value_name in _OBJECT_VALUES
                            else self.limits.max_property_value_bytes)

    def text(self, data: str) -> None:
        if not self.value_depth:
            return
        self.value_bytes += len(data.encode("utf-8")) if not data.isascii() else len(data)
        if self.value_bytes > self.value_limit:
            raise LimitExceeded(403, None, f"the value of property {self.value_name!r} is "
                                f"longer than {self.value_limit} bytes ([limits] "
                                f"max_property_value_bytes); nothing was stored")

    def end(self, _name: str) -> None:
        if self.value_depth == len(self.stack):
            self.value_depth = 0
        self.stack.pop()

    def _check_dates(self, name: str, attrs: dict[str, str]) -> None:
        element = _local(name)
        for key in ("start", "end"):
            value = attrs.get(key)
            if value is None:
                continue
            if not _UTC.fullmatch(value):
                raise LimitExceeded(400, None, f"{element} {key}={value!r} is not a UTC "
                                    f"date-time such as 20260101T000000Z (RFC 4791 §9.9)")
            if value < self.limits.min_date_time:
                raise LimitExceeded(403, "C:min-date-time",
                                    f"{element} {key} {value} is earlier than "
                                    f"{self.limits.min_date_time}, the earliest date "
                                    f"this server answers for ([limits] min_date_time)")
            if value > self.limits.max_date_time:
                raise LimitExceeded(403, "C:max-date-time",
                                    f"{element} {key} {value} is later than "
                                    f"{self.limits.max_date_time}, the latest date "
                                    f"this server answers for ([limits] max_date_time)")
