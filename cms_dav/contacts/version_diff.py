"""A one-line summary of what changed between two versions of a vCard: the properties
(RFC 6350 §6) added, removed or changed, e.g. ``TEL changed, NOTE added``.

Properties are compared by name (a group prefix such as ``item1.`` is ignored) as the
multiset of their unfolded lines, so re-folding changes nothing and reordering nothing.
A property counts as *added* when the new version has every old line of it plus more,
*removed* when it lost lines and gained none, *changed* otherwise. ``REV`` and ``PRODID``
change with every client save; they are named only when nothing else changed.
"""

from __future__ import annotations

from collections import Counter

from cms_dav.contacts.errors import CardFormatError
from cms_dav.contacts.vcard_lines import parse_line, unfold

#: written by clients on every save; named only when nothing else changed
NOISE = frozenset({"REV", "PRODID"})
_FRAME = frozenset({"BEGIN", "END"})
#: properties named in one summary; the rest are counted
MAX_NAMED = 8


def properties(text: str) -> dict[str, Counter[str]]:
    """Each property name with the multiset of its lines (group prefix dropped);
    lines that are not content lines are skipped (a summary never fails)."""
    found: dict[str, Counter[str]] = {}
    for raw in unfold(text):
        try:
            line = parse_line(raw)
        except CardFormatError:
            continue
        if line.name in _FRAME:
            continue
        line.group = ""
        found.setdefault(line.name, Counter())[line.serialize()] += 1
    return found


def changes(old: str, new: str) -> list[str]:
    """``["TEL changed", "NOTE added", ...]`` in the order the properties appear."""
    before, after = properties(old), properties(new)
    found: list[str] = []
    for name in list(after) + [n for n in before if n not in after]:
        was, now = before.get(name, Counter()), after.get(name, Counter())
        if was == now:
            continue
        if not was - now:
            found.append(f"{name} added")
        elif not now - was:
            found.append(f"{name} removed")
        else:
            found.append(f"{name} changed")
    return found


def summarize(old: str | None, new: str) -> str:
    """One line: what ``new`` changed compared with ``old`` (None: no earlier version)."""
    if old is None:
        return "oldest kept version"
    found = changes(old, new)
    named = [each for each in found if each.split(" ", 1)[0] not in NOISE] or found
    if not named:
        return "no property changed" if old != new else "identical"
    shown = ", ".join(named[:MAX_NAMED])
    return shown + (f" and {len(named) - MAX_NAMED} more" if len(named) > MAX_NAMED else "")
