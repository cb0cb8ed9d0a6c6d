"""Why a vCard or iCalendar object cannot be stored, line by line.

One validator for every door: the DAV layer (``cms_dav.wsgi.rejections``) uses it to
name the reason of a refused PUT, and imports can use it to report a broken card
with its line number. It reads the text the way RFC 6350 §3.2/§3.3 (vCard) and
RFC 5545 §3.1 (iCalendar) describe it: physical lines, unfolding, ``NAME;PARAMS:value``
content lines, BEGIN/END nesting. It never changes the text and never raises: it
returns the problems it found (an empty list means "nothing found here").
"""

from __future__ import annotations

import io
import re
from typing import Iterable
from dataclasses import dataclass

from cms_dav.contacts.errors import CardFormatError
from cms_dav.contacts.vcard_lines import value_start

#: control codes radicale.item.read_components deletes before parsing
_RADICALE_STRIPPED = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F]")
_NAME = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)$")
_QP = re.compile(r";(?:ENCODING=)?QUOTED-PRINTABLE[;:]", re.IGNORECASE)
#: RFC 4791 §4.1 components a calendar object resource may hold
CALENDAR_COMPONENTS = {"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE",
                       "VALARM", "STANDARD", "DAYLIGHT", "VAVAILABILITY", "AVAILABLE",
                       "VLOCATION", "VRESOURCE", "PARTICIPANT"}
_UID_COMPONENTS = {"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY"}
_KIND = {"VADDRESSBOOK": "an address book", "VCALENDAR": "a calendar"}
MAX_PROBLEMS = 5


@dataclass(frozen=True)
class Problem:
    """One reason, with the 1-based physical line it was found on (None: whole object)."""
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class _Component:
    name: str
    line: int
    props: dict[str, list[tuple[int, str]]]
    children: list["_Component"]


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


#: a content line's grammar (name, params, values) as one regex: every quantifier is
#: possessive (``*+``, ``?+``, Python 3.11), so nothing is ever given back and the match
#: is linear; it accepts exactly what vobject's ``patterns['line']`` accepts
_VOBJECT_LINE = re.compile(
    r'[a-zA-Z0-9_-]++(?:\.[a-zA-Z0-9_-]++)?+'   # [group.]name
    r'(?:;(?=[;:]))?+'                           # one stray ';' before ';' or ':'
    r'(?:;[a-zA-Z0-9_-]++(?:[=,](?:"[^"]*+"|[^";:,]*+))*+)*+'  # ;param=value,value
    r':')


def _vobject_line_ok(line: str) -> bool:
    """vobject's content-line grammar (``vobject.base.patterns['line']``) matched in
    linear time. vobject's regex backtracks exponentially on a line that does *not*
    match (a 300-byte line of ``;TYPE=A,B,,`` parameters without a colon pinned a CPU
    for minutes); every token here ends at a character its class excludes, so the
    greedy walk accepts exactly what the regex accepts. Matched by :data:`_VOBJECT_LINE`,
    that walk as one regex call (issue 19: the walk in Python cost ~20 µs a card of
    every PUT; tests/security/test_vobject_line_regex.py keeps it as the reference)."""
    return _VOBJECT_LINE.match(line) is not None


#: bodies with quoted-printable lines are unfolded by vobject's own (quadratic) code
#: only up to this size; larger objects are over [limits] max_item_bytes by default
QP_SCAN_LIMIT = 1_000_000
_QUOTED_PRINTABLE = re.compile(r"QUOTED-PRINTABLE", re.IGNORECASE)
#: line ends as vobject's unfolding splits them, and a fold: a line end, then a space or tab
_LINE_END = re.compile(r"\r\n|\r|\n")
_FOLD = re.compile(r"[\r\n][ \t]")


def unreadable_line(text: str) -> Problem | None:
    """The first line vobject (as Radicale calls it) cannot parse, found without
    vobject's backtracking regex; None when every line has the right shape.

    Mirrors ``radicale.item.read_components``: control codes and empty lines are
    dropped first, then vobject's own unfolding (``getLogicalLines``) runs.
    """
    from vobject.base import getLogicalLines

    from cms_dav.limits.vobject_lines import logical_lines

    cleaned = re.sub(r"(?m)^[ \t]*\r?\n", "", _RADICALE_STRIPPED.sub("", text))
    lines: Iterable[str]
    if _QUOTED_PRINTABLE.search(cleaned) is None:
        # vobject's QP-aware unfolding is quadratic in the folded lines (a folded 7.5 MB
        # photo took over 30 s); without quoted-printable the linear one is the same.
        # Without a fold its logical lines are the physical ones less the empty ones
        # (issue 19: a new card's PUT skips the unfolding walk)
        lines = ([line for line in _LINE_END.split(cleaned) if line]
                 if _FOLD.search(cleaned) is None
                 else (line for line, _number in logical_lines(cleaned)))
    elif len(cleaned) <= QP_SCAN_LIMIT:
        lines = (line for line, _number in getLogicalLines(io.StringIO(cleaned), True))
    else:  # not scanned: [limits] max_item_bytes refuses an object this large anyway
        return None
    for line in lines:
        if not _vobject_line_ok(line):
            first = line.splitlines()[0] if line else line
            at = text.find(first[:40]) if first else -1
            number = text.count("\n", 0, at) + 1 if at >= 0 else None
            return Problem(number, f"not a 'NAME;PARAM=value:value' content line: "
                                   f"{_short(first)}")
    return None


def _logical_lines(text: str, problems: list[Problem]) -> list[tuple[int, str]]:
    """Unfolded content lines with the physical line each starts on (RFC 6350 §3.2,
    plus vCard 2.1 quoted-printable soft line breaks)."""
    physical = re.split(r"\r\n|\n|\r", text)
    logical: list[tuple[int, str]] = []
    soft_break = False
    for number, line in enumerate(physical, start=1):
        if soft_break and logical:
            start, previous = logical[-1]
            if not line.strip():
                problems.append(Problem(number, "quoted-printable value (from line "
                                                f"{start}) ends with a soft line break '=' "
                                                "but no continuation line follows"))
                soft_break = False
                continue
            logical[-1] = (start, previous[:-1] + line)
            soft_break = line.endswith("=")
            continue
        if line[:1] in (" ", "\t"):
            if not logical:
                problems.append(Problem(number, "a folded continuation line (starting "
                                                "with a space) has no line before it"))
                continue
            start, previous = logical[-1]
            logical[-1] = (start, previous + line[1:])
        elif line.strip():
            logical.append((number, line))
        else:
            continue
        start, current = logical[-1]
        soft_break = bool(_QP.search(current.split(":", 1)[0] + ":")) and current.endswith("=")
    if soft_break and logical:
        problems.append(Problem(logical[-1][0], "quoted-printable value ends with a soft "
                                                "line break '=' but no line follows"))
    return logical


def _split_line(line: str) -> tuple[str, str] | None:
    """(NAME, value) of a content line, or None when it has no NAME...: shape."""
    try:
        colon = value_start(line)
    except CardFormatError:
        return None
    match = _NAME.match(line[:colon].split(";", 1)[0])
    return (match.group(1).upper(), line[colon + 1:]) if match else None


def _parse(text: str, problems: list[Problem]) -> list[_Component]:
    top: list[_Component] = []
    stack: list[_Component] = []
    for number, line in _logical_lines(text, problems):
        split = _split_line(line)
        if split is None:
            problems.append(Problem(number, f"not a 'NAME:value' content line: {_short(line)}"))
            continue
        name, value = split
        if name == "BEGIN":
            component = _Component(value.strip().upper(), number, {}, [])
            (stack[-1].children if stack else top).append(component)
            stack.append(component)
        elif name == "END":
            ending = value.strip().upper()
            if not stack:
                problems.append(Problem(number, f"END:{ending} without a matching BEGIN"))
            elif stack[-1].name != ending:
                problems.append(Problem(number, f"END:{ending} does not close "
                                                f"BEGIN:{stack[-1].name} (line {stack[-1].line})"))
                if ending in (c.name for c in stack):
                    while stack and stack[-1].name != ending:
                        stack.pop()
                    stack.pop()
            else:
                stack.pop()
        elif not stack:
            problems.append(Problem(number, f"{name} is outside BEGIN/END"))
        else:
            stack[-1].props.setdefault(name, []).append((number, value))
    for component in stack:
        problems.append(Problem(component.line, f"BEGIN:{component.name} is never closed "
                                                f"(END:{component.name} missing)"))
    return top


def _check_vcard(card: _Component, problems: list[Problem]) -> None:
    version = [v.strip() for _, v in card.props.get("VERSION", [])]
    if not version:
        problems.append(Problem(card.line, "the vCard has no VERSION property "
                                           "(RFC 6350 §6.7.9)"))
    if "FN" not in card.props and (not version or version[0] != "2.1"):
        problems.append(Problem(card.line, "the vCard has no FN (formatted name) property, "
                                           "which vCard 3.0/4.0 require (RFC 6350 §6.2.1)"))
    if not [v for _, v in card.props.get("UID", []) if v.strip()]:
        problems.append(Problem(card.line, "the vCard has no UID property; this server "
                                           "needs one to identify the card (RFC 6352 §6.3.2.1)"))
    for nested in card.children:
        problems.append(Problem(nested.line, f"BEGIN:{nested.name} inside a vCard"))


def _check_calendar(calendar: _Component, problems: list[Problem]) -> None:
    uids: dict[str, int] = {}
    for component in calendar.children:
        if component.name not in CALENDAR_COMPONENTS and not component.name.startswith("X-"):
            problems.append(Problem(component.line, f"unsupported component "
                                                    f"{component.name} in a VCALENDAR"))
        if component.name in _UID_COMPONENTS:
            values = [v.strip() for _, v in component.props.get("UID", []) if v.strip()]
            if not values:
                problems.append(Problem(component.line, f"{component.name} has no UID "
                                                        "(RFC 5545 §3.8.4.7)"))
            for value in values[:1]:
                uids.setdefault(value, component.line)
    if len(uids) > 1:
        (first, line1), (second, line2) = list(uids.items())[:2]
        problems.append(Problem(line2, f"two UIDs in one resource: {_short(first)} (line "
                                       f"{line1}) and {_short(second)}; a calendar object "
                                       "resource holds one UID (RFC 4791 §4.1)"))
    if not calendar.children:
        problems.append(Problem(calendar.line, "the VCALENDAR holds no component "
                                               "(VEVENT, VTODO, VJOURNAL...)"))


def check_object(text: str, collection_tag: str = "", whole_collection: bool = False
                 ) -> list[Problem]:
    """Problems of one uploaded object (at most MAX_PROBLEMS), most important first.

    ``collection_tag`` is VADDRESSBOOK or VCALENDAR when known; ``whole_collection``
    allows several vCards (a PUT of a whole address book).
    """
    problems: list[Problem] = []
    if not text.strip():
        return [Problem(None, "the body is empty: expected a vCard (BEGIN:VCARD) or an "
                              "iCalendar object (BEGIN:VCALENDAR)")]
    top = _parse(text, problems)
    names = [component.name for component in top]
    if not top:
        problems.append(Problem(None, "no BEGIN:VCARD or BEGIN:VCALENDAR found"))
    for component in top:
        if component.name == "VCARD":
            if collection_tag == "VCALENDAR":
                problems.append(Problem(component.line, "a vCard cannot be stored in a "
                                                        "calendar"))
            _check_vcard(component, problems)
        elif component.name == "VCALENDAR":
            if collection_tag == "VADDRESSBOOK":
                problems.append(Problem(component.line, "an iCalendar object (VCALENDAR) "
                                                        "cannot be stored in an address book"))
            _check_calendar(component, problems)
        else:
            where = _KIND.get(collection_tag, "this server")
            problems.append(Problem(component.line, f"unsupported top-level component "
                                                    f"{component.name} for {where}"))
    if names.count("VCARD") > 1 and not whole_collection:
        problems.append(Problem(top[1].line, f"{names.count('VCARD')} vCards in one resource: "
                                             "an address object resource holds exactly one "
                                             "(RFC 6352 §5.1); PUT each card separately"))
    if names.count("VCALENDAR") > 1:
        problems.append(Problem(top[1].line, "more than one VCALENDAR in one resource"))
    return problems[:MAX_PROBLEMS]
