"""Writing the iCalendar text of derived calendars (RFC 5545), deterministically.

Shared by :mod:`birthday_events` and :mod:`follow_up_todos`: TEXT escaping (§3.3.11),
durations (§3.3.6), dates (§3.3.4, §3.3.5), folding at 75 octets (§3.1), CRLF, and the
VCALENDAR envelope with PRODID and VERSION (§3.7.3, §3.7.4). Nothing here reads a clock:
the same input gives the same bytes, so an ETag changes only when the content does.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta, timezone

from cms_dav.contacts.vcard_lines import CRLF, fold, lenient_lines, structured, unescape

PRODID = "-//cms_dav//derived calendars//EN"
#: what a contact without FN, N or ORG is called, per language
UNNAMED = {"en": "Unnamed contact", "pl": "Kontakt bez nazwy", "zh": "未命名联系人",
           "de": "Kontakt ohne Namen"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # \n is escaped, \t allowed
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping; every line break becomes ``\\n``; control
    characters other than tab, which §3.3.11 does not allow, are dropped."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ical_date(day: date) -> str:
    """A DATE value (§3.3.4), four-digit year even before 1000."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def utc_stamp(moment: datetime) -> str:
    """A UTC DATE-TIME (form #2, §3.3.5)."""
    moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return f"{ical_date(moment.date())}T{moment:%H%M%S}Z"


def midnight_utc(day: date) -> str:
    return f"{ical_date(day)}T000000Z"


def duration(delta: timedelta) -> str:
    """A DURATION value (§3.3.6), e.g. ``PT9H``, ``-PT15H``, ``-P1DT2H30M``."""
    seconds = int(delta.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{'T' + clock if clock else ''}"


def stable_key(source_key: str) -> str:
    """A short, URL- and UID-safe digest of the source item's key (its href and UID stem)."""
    return hashlib.sha256(source_key.encode("utf-8")).hexdigest()[:32]


def calendar(components: list[list[str]]) -> str:
    """A VCALENDAR holding ``components`` (each a list of unfolded lines), folded, CRLF."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for component in components:
        lines.extend(component)
    lines.append("END:VCALENDAR")
    return "".join(piece + CRLF for line in lines for piece in fold(line))


def contact_name(card_text: str) -> str:
    """FN, else N (family name first without spaces for CJK names: 张伟), else ORG, else ''.

    Lenient like the date reader: lines that do not parse are skipped.
    """
    found: dict[str, str] = {}
    for line in lenient_lines(card_text):
        if line.name in ("FN", "N", "ORG") and line.name not in found and line.value.strip():
            found[line.name] = line.value
    fn = unescape(found.get("FN", "")).strip()
    if fn:
        return fn
    if "N" in found:
        parts = [p.strip() for p in structured(found["N"])] + [""] * 5
        family, given, additional, prefix, suffix = parts[:5]
        if _CJK.search(family + given):
            name = family + given
        else:
            name = " ".join(p for p in (prefix, given, additional, family, suffix) if p)
        if name:
            return name
    if "ORG" in found:
        return ", ".join(p.strip() for p in structured(found["ORG"]) if p.strip())
    return ""
