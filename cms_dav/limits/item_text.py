"""Item limits checked on the raw text, before anything parses it.

One function for every door that stores items (PUT of an item or of a whole collection,
``cms-dav import``, the store itself): a vCard or iCalendar object larger, longer or
wider than ``[limits]`` allows is refused with ``max-resource-size`` (RFC 6352
§6.3.2.1, RFC 4791 §5.3.2.1), an unbounded FREQ=SECONDLY/MINUTELY rule with
``CALDAV:max-instances`` (RFC 4791 §5.3.2.1: it would generate more instances than any
limit). The scan is linear and builds nothing but the current line's length.
"""

from __future__ import annotations

import re

from cms_dav.config import Limits
from cms_dav.limits.errors import Kind, LimitExceeded, kind_of

#: binary values (RFC 6350 §6.2.4 PHOTO, §6.6.3 LOGO, §6.7.5 SOUND, §6.8.1 KEY; RFC 5545
#: §3.8.1.1 ATTACH): a contact photo is one long line, bounded by the object size only
_BINARY = ("PHOTO", "LOGO", "SOUND", "KEY", "ATTACH")
_UNBOUNDED_FAST_RULE = re.compile(r"FREQ=(SECONDLY|MINUTELY)", re.IGNORECASE)
_BOUND = re.compile(r"(COUNT|UNTIL)=", re.IGNORECASE)


def _refuse(kind: Kind, status: int, what: str) -> LimitExceeded:
    return LimitExceeded(status, f"{kind.prefix}:max-resource-size", what)


def check_item_text(text: str, limits: Limits, tag: str = "", *,
                    whole_collection: bool = False) -> None:
    """Raise LimitExceeded when ``text`` breaks a ``[limits]`` item limit.

    ``tag`` (VADDRESSBOOK/VCALENDAR) picks the namespace; without it the text decides.
    ``whole_collection``: the text holds many objects (PUT of a collection, an import
    file); size and line count then apply to each object, not to the whole.
    """
    kind = kind_of(tag or text)
    if not whole_collection:
        size = len(text.encode("utf-8")) if len(text) * 4 > limits.max_item_bytes \
            else len(text)
        if size > limits.max_item_bytes:
            raise _refuse(kind, 403, f"the {kind.noun} is {size} bytes; the limit is "
                          f"{limits.max_item_bytes} bytes per object")
    _scan(text, limits, kind, whole_collection)


def _scan(text: str, limits: Limits, kind: Kind, whole_collection: bool) -> None:
    """One pass over the physical lines, unfolding as it goes (RFC 6350 §3.2, RFC 5545
    §3.1); counts content lines (unfolded) and properties per component."""
    counts: list[int] = []      # properties per open component
    object_lines = object_bytes = total_lines = 0
    logical = ""                # the first 512 characters of the current content line
    logical_bytes = logical_start = 0
    object_depth = 1 if kind.prefix == "CR" else 2

    def finish() -> None:
        nonlocal object_lines, total_lines
        if not logical_bytes:
            return
        object_lines += 1
        total_lines += 1
        if whole_collection and object_lines > limits.max_item_lines:
            raise _refuse(kind, 403, f"the {kind.noun} ending at line {logical_start} has "
                          f"more than {limits.max_item_lines} content lines; the limit is "
                          f"per object")
        if not whole_collection and total_lines > limits.max_item_lines:
            raise _refuse(kind, 403, f"the {kind.noun} has more than "
                          f"{limits.max_item_lines} content lines")
        upper = logical[:16].upper()
        if logical_bytes > limits.max_line_bytes and not _is_binary(upper):
            raise _refuse(kind, 403, f"line {logical_start} of the {kind.noun} is longer "
                          f"than {limits.max_line_bytes} bytes (unfolded)")
        if upper.startswith("BEGIN:"):
            counts.append(0)
        elif upper.startswith("END:"):
            if counts:
                counts.pop()
        elif counts:
            counts[-1] += 1
            if counts[-1] > limits.max_properties:
                raise _refuse(kind, 403, f"a component of the {kind.noun} has more than "
                              f"{limits.max_properties} properties (line {logical_start})")
            if upper.startswith(("RRULE:", "RRULE;")):
                _check_rule(logical, logical_start)

    for number, raw in enumerate(text.splitlines(), 1):
        width = len(raw) if raw.isascii() else len(raw.encode("utf-8"))
        if raw[:1] in (" ", "\t") and logical_bytes:
            logical_bytes += width - 1
            if len(logical) < 512:
                logical += raw[1:512]
        else:
            finish()
            opens_object = raw[:6].upper() == "BEGIN:" and len(counts) + 1 == object_depth
            if whole_collection and opens_object:
                object_lines = object_bytes = 0
            logical, logical_bytes, logical_start = raw[:512], width, number
        object_bytes += width + 2
        if whole_collection and object_bytes > limits.max_item_bytes:
            raise _refuse(kind, 403, f"the {kind.noun} around line {number} is larger than "
                          f"{limits.max_item_bytes} bytes; the limit is per object")
        if logical_bytes > limits.max_item_bytes:
            raise _refuse(kind, 403, f"line {logical_start} of the {kind.noun} is longer "
                          f"than {limits.max_item_bytes} bytes (unfolded)")
    finish()


def _is_binary(upper: str) -> bool:
    name = upper.split(":", 1)[0].split(";", 1)[0].rpartition(".")[2]
    return name in _BINARY


def _check_rule(line: str, number: int) -> None:
    """An RRULE that repeats every second or minute forever is refused at PUT: every
    later query would have to walk through millions of instances to get past it."""
    if _UNBOUNDED_FAST_RULE.search(line) and not _BOUND.search(line):
        raise LimitExceeded(403, "C:max-instances",
                            f"line {number}: a recurrence rule with FREQ=SECONDLY or "
                            f"FREQ=MINUTELY needs COUNT or UNTIL")
