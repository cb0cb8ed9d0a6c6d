"""Top-level components of iCalendar text, kept as raw content lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cms_dav.contacts.vcard_lines import unfold_numbered as unfold

_TZID_PARAM = re.compile(r";TZID=\"?([^\";:]+)\"?", re.I)


@dataclass
class Component:
    """One VEVENT/VTODO/VJOURNAL/VTIMEZONE/... with its nested sub-components."""

    name: str
    line: int                 # physical line of its BEGIN
    lines: list[str]          # unfolded, BEGIN..END included

    def prop(self, name: str) -> str | None:
        """First value of a property of this component itself (not of a VALARM)."""
        depth = 0
        for raw in self.lines[1:-1]:
            upper = raw.upper()
            if upper.startswith("BEGIN:"):
                depth += 1
            elif upper.startswith("END:"):
                depth -= 1
            elif depth == 0 and re.match(rf"{name}[;:]", raw, re.I):
                return raw.split(":", 1)[1].strip() if ":" in raw else ""
        return None

    def tzids(self) -> set[str]:
        return {m.group(1) for raw in self.lines
                for m in [_TZID_PARAM.search(raw.split(":", 1)[0] + ":")] if m}


class IcsError(ValueError):
    """The calendar text is broken beyond splitting (not VCALENDAR, unbalanced)."""


def split_components(text: str) -> tuple[list[str], list[Component]]:
    """(VCALENDAR-level property lines, top-level components) of one or more VCALENDARs."""
    header: list[str] = []
    components: list[Component] = []
    stack: list[str] = []
    current: Component | None = None
    for number, raw in unfold(text.lstrip("\ufeff")):
        upper = raw.strip().upper()
        if upper.startswith("BEGIN:"):
            stack.append(upper[6:])
            if len(stack) == 1 and stack[0] != "VCALENDAR":
                raise IcsError(f"line {number}: expected BEGIN:VCALENDAR, found {raw.strip()!r}")
            if len(stack) == 2:
                current = Component(upper[6:], number, [])
        elif upper.startswith("END:"):
            if not stack or stack[-1] != upper[4:]:
                raise IcsError(f"line {number}: {raw.strip()!r} does not close "
                               f"{'BEGIN:' + stack[-1] if stack else 'anything'}")
            stack.pop()
            if len(stack) == 1 and current is not None:
                current.lines.append(raw)
                components.append(current)
                current = None
                continue
        elif not stack:
            raise IcsError(f"line {number}: text outside BEGIN:VCALENDAR/END:VCALENDAR")
        if current is not None:
            current.lines.append(raw)
        elif len(stack) == 1 and not upper.startswith("BEGIN:VCALENDAR"):
            header.append(raw)
    if stack:
        raise IcsError(f"file is cut off: END:{stack[-1]} missing")
    return header, components
