"""The birthday calendar's items for one contact: yearly all-day VEVENTs (RFC 5545), pure.

For each date :func:`cms_dav.contacts.anniversaries.dates_of` finds on the card, one
calendar object resource (RFC 4791 §4.1: one UID per resource) holding:

- a master VEVENT: ``DTSTART;VALUE=DATE`` on the date itself (the birth year when known,
  else the leap year 1972 so a year-less Feb 29 is valid), ``RRULE:FREQ=YEARLY``,
  ``TRANSP:TRANSPARENT`` (never busy, §3.8.2.7), ``CATEGORIES``, and the summary with
  the name but no age (the master stands for every year);
- where the year is known, one ``RECURRENCE-ID`` override per year of the window
  ``today.year - years_before .. today.year + years_after`` (default last year to two
  years ahead) whose summary carries the age. Why a window and not one event per year:
  the master keeps every year correct in every client (as any birthday calendar does),
  the overrides put the age where people look (this year's and the next ones), and the
  item stays small. Its content, and so its ETag, changes once a year, when the window
  moves on Jan 1; :class:`BirthdayOptions.today` is the only input that moves it.

Feb 29 in common years (§3.3.10): ``feb28`` is ``BYMONTH=2;BYMONTHDAY=-1`` (the last day
of February), ``mar1`` is ``BYYEARDAY=60`` (Feb 29 in leap years, Mar 1 otherwise); either
way every year has exactly one occurrence.

``DTSTAMP`` is midnight UTC of the master's DTSTART: stable data, not the clock (the
content is generated, it has no "last revised" moment of its own).
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import date, timedelta

from cms_dav.calendars import ical_text as ical
from cms_dav.contacts.anniversaries import BIRTHDAY, DateOfYear, dates_of

LANGUAGES = ("en", "pl", "zh", "de")
FEB29_RULES = ("feb28", "mar1")
YEARLESS_YEAR = 1972  # a leap year: a year-less Feb 29 is a valid DTSTART
DEFAULT_ALARMS = (timedelta(hours=9), timedelta(hours=-15))  # 09:00 on the day, 09:00 before


def _polish_years(n: int) -> str:
    """1 rok, 2-4 lata (not 12-14), else lat."""
    if n == 1:
        return "1 rok"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} lata"
    return f"{n} lat"


def _years(language: str, n: int) -> str:
    if language == "pl":
        return _polish_years(n)
    if language == "de":
        return f"{n} Jahr" if n == 1 else f"{n} Jahre"
    return f"{n} year" if n == 1 else f"{n} years"


#: (without age, with age) per language; {name}, {age}, {years}, {label}
_BIRTHDAY = {
    "en": ("{name}'s birthday", "{name}'s birthday ({age})"),
    "pl": ("Urodziny: {name}", "Urodziny: {name} ({years})"),
    "zh": ("{name}的生日", "{name}的{age}岁生日"),
    "de": ("Geburtstag von {name}", "{age}. Geburtstag von {name}"),
}
_ANNIVERSARY = {
    "en": ("{name}'s anniversary", "{name}'s anniversary ({years})"),
    "pl": ("Rocznica: {name}", "Rocznica: {name} ({years})"),
    "zh": ("{name}的纪念日", "{name}的{age}周年纪念日"),
    "de": ("Jahrestag von {name}", "{age}. Jahrestag von {name}"),
}
_LABELLED = {
    "en": ("{name}: {label}", "{name}: {label} ({years})"),
    "pl": ("{label}: {name}", "{label}: {name} ({years})"),
    "zh": ("{name}：{label}", "{name}：{label}（{age}周年）"),
    "de": ("{name}: {label}", "{name}: {label} ({years})"),
}
_CATEGORY = {
    "en": ("Birthday", "Anniversary"),
    "pl": ("Urodziny", "Rocznica"),
    "zh": ("生日", "纪念日"),
    "de": ("Geburtstag", "Jahrestag"),
}
_CALENDAR_NAME = {"en": "Birthdays", "pl": "Urodziny", "zh": "生日", "de": "Geburtstage"}


def normalize_language(language: str) -> str:
    """``zh-CN`` / ``pl_PL`` / ``DE`` -> the primary subtag (RFC 5646 §2.2.1)."""
    return language.strip().replace("_", "-").split("-")[0].lower()


def calendar_display_name(language: str) -> str:
    """The birthday calendar's localised display name (falls back to English)."""
    return _CALENDAR_NAME.get(normalize_language(language), _CALENDAR_NAME["en"])


@dataclass(frozen=True)
class BirthdayOptions:
    """How birthday events are written.

    ``alarms`` are offsets from the start (local midnight) of the day: the default is
    09:00 on the day and 09:00 the day before; ``()`` means no alarm.
    """

    today: date
    feb29: str = "feb28"
    alarms: tuple[timedelta, ...] = DEFAULT_ALARMS
    language: str = "en"
    years_before: int = 1
    years_after: int = 2

    def __post_init__(self) -> None:
        if self.feb29 not in FEB29_RULES:
            raise ValueError(f"feb29 {self.feb29!r}: expected one of {', '.join(FEB29_RULES)}")
        language = normalize_language(self.language)
        if language not in LANGUAGES:
            raise ValueError(f"language {self.language!r}: expected one of "
                             f"{', '.join(LANGUAGES)}")
        object.__setattr__(self, "language", language)
        if self.years_before < 0 or self.years_after < 0:
            raise ValueError("years_before and years_after must not be negative")


def occurrence(entry: DateOfYear, year: int, feb29: str) -> date:
    """The day ``entry`` falls on in ``year`` (Feb 29 moved per ``feb29`` in common years)."""
    if (entry.month, entry.day) == (2, 29) and not gregorian.isleap(year):
        return date(year, 2, 28) if feb29 == "feb28" else date(year, 3, 1)
    return date(year, entry.month, entry.day)


def _rrule(entry: DateOfYear, feb29: str) -> str:
    if (entry.month, entry.day) != (2, 29):
        return "RRULE:FREQ=YEARLY"
    if feb29 == "feb28":
        return "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"
    return "RRULE:FREQ=YEARLY;BYYEARDAY=60"


def summary(entry: DateOfYear, name: str, language: str, age: int | None) -> str:
    """The event's title: the name, the label if any, and the age/years if given."""
    if entry.kind == BIRTHDAY:
        templates = _BIRTHDAY[language]
    elif entry.label:
        templates = _LABELLED[language]
    else:
        templates = _ANNIVERSARY[language]
    template = templates[0] if age is None else templates[1]
    return template.format(name=name, label=entry.label or "", age=age,
                           years=_years(language, age) if age is not None else "")


def _suffixes(entries: list[DateOfYear]) -> list[str]:
    """Stable per-card names: ``birthday``, ``anniversary-1``, ``date-1`` ... in card order."""
    counts: dict[str, int] = {}
    names = []
    for entry in entries:
        stem = {"birthday": "birthday", "anniversary": "anniversary"}.get(entry.kind, "date")
        counts[stem] = counts.get(stem, 0) + 1
        names.append(stem if stem == "birthday" else f"{stem}-{counts[stem]}")
    return names


def _alarms(options: BirthdayOptions, title: str) -> list[str]:
    lines: list[str] = []
    for offset in options.alarms:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{ical.text(title)}",
                  f"TRIGGER:{ical.duration(offset)}", "END:VALARM"]
    return lines


def _event(uid: str, stamp: str, day: date, title: str, category: str,
           options: BirthdayOptions, head: list[str]) -> list[str]:
    return (["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}",
             f"DTSTART;VALUE=DATE:{ical.ical_date(day)}",
             f"DTEND;VALUE=DATE:{ical.ical_date(day + timedelta(days=1))}", *head,
             f"SUMMARY:{ical.text(title)}", "TRANSP:TRANSPARENT",
             f"CATEGORIES:{ical.text(category)}"]
            + _alarms(options, title) + ["END:VEVENT"])


def _item(entry: DateOfYear, name: str, uid: str, options: BirthdayOptions) -> str:
    language = options.language
    category = _CATEGORY[language][0 if entry.kind == BIRTHDAY else 1]
    start = date(entry.year if entry.year is not None else YEARLESS_YEAR, entry.month, entry.day)
    stamp = ical.midnight_utc(start)
    components = [_event(uid, stamp, start, summary(entry, name, language, None), category,
                         options, [_rrule(entry, options.feb29)])]
    if entry.year is not None:
        first = options.today.year - options.years_before
        for year in range(max(first, entry.year + 1), options.today.year + options.years_after + 1):
            day = occurrence(entry, year, options.feb29)
            title = summary(entry, name, language, year - entry.year)
            components.append(_event(uid, stamp, day, title, category, options,
                                     [f"RECURRENCE-ID;VALUE=DATE:{ical.ical_date(day)}"]))
    return ical.calendar(components)


def birthday_items(card_text: str, source_key: str, options: BirthdayOptions) -> dict[str, str]:
    """{href: VCALENDAR text} for every yearly date of the card; {} when it has none.

    ``source_key`` identifies the contact (e.g. its collection path and href); hrefs
    and UIDs are derived from it, so they stay the same as long as the contact does.
    """
    entries = dates_of(card_text)
    if not entries:
        return {}
    name = ical.contact_name(card_text) or ical.UNNAMED[options.language]
    key = ical.stable_key(source_key)
    items = {}
    for entry, suffix in zip(entries, _suffixes(entries), strict=True):
        items[f"{key}-{suffix}.ics"] = _item(entry, name, f"{key}-{suffix}@cms-dav", options)
    return items
