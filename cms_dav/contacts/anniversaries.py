"""The dates of a vCard worth a yearly reminder: birthdays and anniversaries (pure, no I/O).

Read from (RFC 6350 §6.2.5 BDAY, §6.2.6 ANNIVERSARY; RFC 2426 §3.1.5 BDAY):

- ``BDAY`` (vCard 3 and 4), ``ANNIVERSARY`` (vCard 4), ``X-ANNIVERSARY`` (vCard 3 as
  written by Outlook exports and others), ``X-EVOLUTION-ANNIVERSARY`` (Evolution),
  ``X-KADDRESSBOOK-X-ANNIVERSARY`` (KDE);
- Apple's item-grouped ``itemN.X-ABDATE`` with ``itemN.X-ABLABEL`` (vCard 3): the label
  ``_$!<Anniversary>!$_`` is an anniversary, any other label a labelled date.

Year-less spellings: ``--0612`` and ``--06-12`` (RFC 6350 §4.3.1 truncated dates), year
``0000``, and Apple's ``X-APPLE-OMIT-YEAR=1604`` parameter (the year written is a
placeholder when it equals the parameter). A date-time keeps its date.

Reading is lenient: a line that does not parse, a text value (``BDAY;VALUE=text:circa
1800``), a truncated date without month and day, or an impossible date (2023-02-29) is
skipped, never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from cms_dav.contacts.vcard_lines import CardParses, ContentLine, lenient_lines, unescape

BIRTHDAY = "birthday"
ANNIVERSARY = "anniversary"
OTHER = "other"
APPLE_ANNIVERSARY_LABEL = "_$!<Anniversary>!$_"
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
#: vCard 4, then the vCard 3 spellings of Outlook/KAddressBook, Evolution and KDE
ANNIVERSARY_PROPERTIES = ("ANNIVERSARY", "X-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY",
                          "X-KADDRESSBOOK-X-ANNIVERSARY")
_LEAP_YEAR = 2000  # a year-less Feb 29 is valid: check month/day against a leap year

_FULL = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$")
_YEARLESS = re.compile(r"^--(\d{2})-?(\d{2})(?:T.*)?$")


@dataclass(frozen=True)
class DateOfYear:
    """One yearly date of a contact: ``kind`` is birthday, anniversary or other."""

    kind: str
    label: str | None
    month: int
    day: int
    year: int | None


def parse_date(value: str, omit_year: str | None = None) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of a vCard date value, or None if it is not one."""
    text = value.strip()
    yearless = _YEARLESS.match(text)
    if yearless:
        year: int | None = None
        month, day = int(yearless.group(1)), int(yearless.group(2))
    else:
        full = _FULL.match(text)
        if not full:
            return None
        year, month, day = int(full.group(1)), int(full.group(2)), int(full.group(3))
        if year == 0 or (omit_year is not None and omit_year.strip() == full.group(1)):
            year = None
    try:
        date(year if year is not None else _LEAP_YEAR, month, day)
    except ValueError:
        return None
    return year, month, day


def _is_text_value(line: ContentLine) -> bool:
    return any(v.lower() == "text" for v in line.param("VALUE"))


def _apple_kind(label: str | None) -> tuple[str, str | None]:
    """Apple's built-in labels are wrapped in ``_$!<...>!$_``; a custom label is plain."""
    if label is None:
        return OTHER, None
    match = _APPLE_LABEL.match(label)
    if match:
        inner = match.group(1).strip()
        if inner.lower() == "anniversary":
            return ANNIVERSARY, None
        return OTHER, (inner if inner.lower() != "other" else None)
    return OTHER, label.strip() or None


def dates_of(card_text: str, parses: CardParses | None = None) -> list[DateOfYear]:
    """The card's yearly dates in card order: the same (kind, date) once, one birthday
    (a second BDAY is an RFC 6350 §5.4 ALTID alternative of the first). ``parses``:
    the write's parses (:class:`~.vcard_lines.CardParses`)."""
    lines = lenient_lines(card_text, parses)
    labels = {line.group.lower(): unescape(line.value).strip()
              for line in lines if line.group and line.name == "X-ABLABEL"}
    found: list[DateOfYear] = []
    seen: set[tuple[str, int, int, int | None]] = set()
    for line in lines:
        if line.name == "BDAY":
            kind, label = BIRTHDAY, None
        elif line.name in ANNIVERSARY_PROPERTIES:
            kind, label = ANNIVERSARY, None
        elif line.name == "X-ABDATE":
            kind, label = _apple_kind(labels.get(line.group.lower()) if line.group else None)
        else:
            continue
        if _is_text_value(line):
            continue
        omit = line.param("X-APPLE-OMIT-YEAR")
        parsed = parse_date(line.value, omit[0] if omit else None)
        if parsed is None:
            continue
        year, month, day = parsed
        key = (kind if kind != OTHER else f"{kind}:{label}", month, day, year)
        if key in seen or (kind == BIRTHDAY and any(d.kind == BIRTHDAY for d in found)):
            continue
        seen.add(key)
        found.append(DateOfYear(kind=kind, label=label, month=month, day=day, year=year))
    return found
