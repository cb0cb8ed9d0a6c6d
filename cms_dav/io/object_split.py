"""Split a multi-object .vcf or .ics text into per-object texts, byte for byte.

Every door that receives many objects at once (a PUT of a whole collection, ``cms-dav
import``, calendar export) cuts the text here, on *physical* lines, so each object keeps
the client's lines exactly, folding included (issue 12: what a client sends is what it
gets back). Only the line endings are normalised to CRLF (RFC 6350 §3.2, RFC 5545 §3.1)
and blank lines, which are no content lines, are left out.

- A vCard object is the lines from its ``BEGIN:VCARD`` to its ``END:VCARD``.
- An iCalendar object (RFC 4791 §4.1: one UID per calendar object resource) is the
  enclosing VCALENDAR's property lines, the VTIMEZONEs its TZIDs name (in file order),
  and the components sharing one UID, in file order (as Radicale keeps them).
  ``METHOD`` is left out of the wrapper: RFC 4791 §4.1 forbids it in stored objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CRLF = "\r\n"
#: components that carry the UID of a calendar object resource (RFC 4791 §4.1)
UID_COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")
_TZID_PARAM = re.compile(r';TZID=(?:"([^"]*)"|([^;:]*))', re.IGNORECASE)
#: VCALENDAR properties a calendar object resource must not carry (RFC 4791 §4.1)
_WRAPPER_DROPPED = ("METHOD",)


class SplitError(ValueError):
    """The text cannot be cut into objects (unbalanced BEGIN/END, text outside them)."""


@dataclass
class ContentLine:
    """One content line: its physical lines (first + folded continuations)."""

    number: int                 # 1-based physical line number of its first line
    physical: list[str]

    @property
    def unfolded(self) -> str:
        return self.physical[0] + "".join(p[1:] for p in self.physical[1:])

    @property
    def name(self) -> str:
        """The property name, upper case, without group (``item1.TEL`` -> ``TEL``)."""
        head = re.split(r"[;:]", self.unfolded, maxsplit=1)[0]
        return head.rpartition(".")[2].strip().upper()

    @property
    def value(self) -> str:
        text = self.unfolded
        return text.split(":", 1)[1] if ":" in text else ""

    @property
    def raw(self) -> str:
        return "".join(p + CRLF for p in self.physical)


@dataclass
class RawComponent:
    """A top-level component (of a VCALENDAR) or a vCard, as its content lines."""

    name: str
    lines: list[ContentLine]    # BEGIN .. END included
    calendar: int = 0           # index of the enclosing VCALENDAR (iCalendar only)

    @property
    def number(self) -> int:
        return self.lines[0].number

    @property
    def raw(self) -> str:
        return "".join(line.raw for line in self.lines)

    def prop(self, name: str) -> str | None:
        """First value of a property of this component itself (not of a VALARM)."""
        depth = 0
        for line in self.lines[1:-1]:
            if line.name == "BEGIN":
                depth += 1
            elif line.name == "END":
                depth -= 1
            elif depth == 0 and line.name == name:
                return line.value.strip()
        return None

    def tzids(self) -> list[str]:
        """TZIDs its lines name (``;TZID=`` parameters), in order, once each."""
        found: dict[str, None] = {}
        for line in self.lines:
            head = _head(line.unfolded)
            for match in _TZID_PARAM.finditer(head):
                found[match.group(1) if match.group(1) is not None else match.group(2)] = None
        return list(found)


@dataclass
class CalendarObjectText:
    """One calendar object resource cut out of a calendar text."""

    uid: str
    line: int                   # physical line of its first component
    text: str
    kinds: set[str] = field(default_factory=set)
    missing_tzids: list[str] = field(default_factory=list)


def _head(unfolded: str) -> str:
    """Name and parameters of a content line (up to the first colon outside quotes)."""
    quoted = False
    for index, char in enumerate(unfolded):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return unfolded[:index]
    return unfolded


def content_lines(text: str) -> list[ContentLine]:
    """The text's content lines with their physical lines (RFC 6350 §3.2, RFC 5545 §3.1
    folding); blank lines are left out."""
    lines: list[ContentLine] = []
    physical = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(physical, start=1):
        if line[:1] in (" ", "\t") and lines:
            lines[-1].physical.append(line)
        elif line.strip():
            lines.append(ContentLine(number, [line]))
    return lines


def _components(lines: list[ContentLine], top: int) -> list[RawComponent]:
    """Components at nesting depth ``top`` (1: vCards; 2: inside VCALENDAR)."""
    found: list[RawComponent] = []
    stack: list[str] = []
    current: RawComponent | None = None
    calendars = -1
    for line in lines:
        name = line.name
        if name == "BEGIN":
            kind = line.value.strip().upper()
            stack.append(kind)
            if len(stack) == 1 and kind == "VCALENDAR":
                calendars += 1
            if len(stack) == top:
                current = RawComponent(kind, [], max(calendars, 0))
        elif name == "END":
            kind = line.value.strip().upper()
            if not stack or stack[-1] != kind:
                raise SplitError(f"line {line.number}: END:{kind} does not close "
                                 f"{'BEGIN:' + stack[-1] if stack else 'anything'}")
            stack.pop()
            if len(stack) == top - 1 and current is not None:
                current.lines.append(line)
                found.append(current)
                current = None
                continue
        elif not stack:
            raise SplitError(f"line {line.number}: text outside BEGIN/END")
        if current is not None:
            current.lines.append(line)
    if stack:
        raise SplitError(f"the text is cut off: END:{stack[-1]} missing")
    return found


def split_vcard_texts(text: str) -> list[RawComponent]:
    """Every vCard of a .vcf text; ``raw`` is its text (CRLF line ends)."""
    return _components(content_lines(text), 1)


@dataclass
class Wrapper:
    """A VCALENDAR's own lines: BEGIN, its properties, END."""

    begin: ContentLine
    props: list[ContentLine] = field(default_factory=list)
    end: ContentLine | None = None

    def around(self, inner: str) -> str:
        """``inner`` wrapped in this VCALENDAR's lines (without METHOD)."""
        props = "".join(p.raw for p in self.props if p.name not in _WRAPPER_DROPPED)
        end = self.end.raw if self.end is not None else "END:VCALENDAR" + CRLF
        return self.begin.raw + props + inner + end


def calendar_parts(text: str) -> tuple[list[Wrapper], list[RawComponent]]:
    """(each VCALENDAR's own lines, top-level components of all of them)."""
    lines = content_lines(text)
    components = _components(lines, 2)
    wrappers: list[Wrapper] = []
    depth = 0
    for line in lines:
        if line.name == "BEGIN":
            depth += 1
            if depth == 1:
                wrappers.append(Wrapper(line))
        elif line.name == "END":
            depth -= 1
            if depth == 0 and wrappers:
                wrappers[-1].end = line
        elif depth == 1 and wrappers:
            wrappers[-1].props.append(line)
    return wrappers, components


def split_calendar_texts(text: str, uid_of: dict[int, str] | None = None
                         ) -> list[CalendarObjectText]:
    """One text per UID, in order of first appearance (see the module docstring).

    ``uid_of`` maps the index of a UID-less component (in :func:`calendar_parts` order)
    to the UID the caller gives it; its UID line is then inserted after its BEGIN line.
    Components without UID and without an entry are left out.
    """
    wrappers, components = calendar_parts(text)
    zones: dict[str, RawComponent] = {}   # first of each TZID in the text
    own_zones: dict[tuple[int, str], RawComponent] = {}   # of each VCALENDAR
    for component in components:
        if component.name == "VTIMEZONE":
            tzid = component.prop("TZID") or ""
            zones.setdefault(tzid, component)
            own_zones.setdefault((component.calendar, tzid), component)
    groups: dict[str, list[RawComponent]] = {}
    for index, component in enumerate(components):
        if component.name not in UID_COMPONENTS:
            continue
        uid = component.prop("UID")
        if not uid and uid_of and index in uid_of:
            uid = uid_of[index]
            added = ContentLine(component.number, [f"UID:{uid}"])
            component = RawComponent(component.name,
                                     [component.lines[0], added, *component.lines[1:]],
                                     component.calendar)
        if uid:
            groups.setdefault(uid, []).append(component)
    objects = []
    for uid, members in groups.items():
        needed = list(dict.fromkeys(t for c in members for t in c.tzids()))
        home = members[0].calendar  # its own VCALENDAR's VTIMEZONE first, else any
        used = [own_zones.get((home, t), zones[t]) for t in needed if t in zones]
        used.sort(key=lambda zone: zone.number)
        wrapper = wrappers[members[0].calendar]
        text_of = wrapper.around("".join(z.raw for z in used) + "".join(c.raw for c in members))
        objects.append(CalendarObjectText(
            uid, min(c.number for c in members), text_of, {c.name for c in members},
            [t for t in needed if t not in zones]))
    return objects
