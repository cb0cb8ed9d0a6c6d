"""The follow-ups calendar's items for one contact: one VTODO per follow-up (RFC 5545
§3.6.2), pure.

Each interaction with a follow-up date (:func:`cms_dav.contacts.interactions.follow_ups`
decides open or closed) becomes one calendar object resource:

- open: ``STATUS:NEEDS-ACTION``, ``DUE;VALUE=DATE`` the follow-up date, and a ``VALARM``
  per :attr:`FollowUpOptions.alarms`, relative to the due day (``TRIGGER;RELATED=END``,
  §3.8.6.3: a VTODO's end is its DUE; the default is 09:00 local on the due day);
- closed (marked done, or superseded by a later follow-up): ``STATUS:COMPLETED``,
  ``COMPLETED`` (§3.8.2.1, the closing time) and ``PERCENT-COMPLETE:100``, no alarm.
  Kept by default rather than removed, so task apps show it ticked off and a phone
  that completed it offline agrees with the server; ``completed="remove"`` drops it.

SUMMARY is "contact name: first line of the note"; DESCRIPTION the whole note and who
wrote it when. DTSTAMP, CREATED and LAST-MODIFIED come from the interaction's own times
(created ``at``, closed when done), never from the clock: same input, same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cms_dav.calendars import ical_text as ical
from cms_dav.calendars.birthday_events import LANGUAGES, normalize_language
from cms_dav.contacts.interactions import FollowUp, follow_ups, read_interactions
from cms_dav.contacts.vcard_lines import lenient_lines

COMPLETED_CHOICES = ("keep", "remove")
DEFAULT_ALARMS = (timedelta(hours=9),)  # 09:00 on the due day
_CALENDAR_NAME = {"en": "Follow-ups", "pl": "Kontakty do ponowienia", "zh": "跟进",
                  "de": "Wiedervorlagen"}


def calendar_display_name(language: str) -> str:
    """The follow-ups calendar's localised display name (falls back to English)."""
    return _CALENDAR_NAME.get(normalize_language(language), _CALENDAR_NAME["en"])


@dataclass(frozen=True)
class FollowUpOptions:
    """How follow-up tasks are written: ``alarms`` are offsets from the start (local
    midnight) of the due day, ``()`` for none; ``completed`` keeps or removes closed ones;
    ``language`` names a contact without a name."""

    alarms: tuple[timedelta, ...] = DEFAULT_ALARMS
    completed: str = "keep"
    language: str = "en"

    def __post_init__(self) -> None:
        if self.completed not in COMPLETED_CHOICES:
            raise ValueError(f"completed {self.completed!r}: expected one of "
                             f"{', '.join(COMPLETED_CHOICES)}")
        language = normalize_language(self.language)
        if language not in LANGUAGES:
            raise ValueError(f"language {self.language!r}: expected one of "
                             f"{', '.join(LANGUAGES)}")
        object.__setattr__(self, "language", language)


def _summary(name: str, text: str) -> str:
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return f"{name}: {first}" if first else name


def _todo(follow_up: FollowUp, name: str, uid: str, options: FollowUpOptions) -> list[str]:
    note = follow_up.interaction
    assert note.follow_up is not None  # follow_ups() only yields dated interactions
    title = _summary(name, note.text)
    created = ical.utc_stamp(note.at)
    modified = ical.utc_stamp(follow_up.closed) if follow_up.closed else created
    description = (f"{note.text}\n\n" if note.text.strip() else "") + (
        f"{note.kind}, {note.at:%Y-%m-%d %H:%M} UTC, {note.author}")
    lines = ["BEGIN:VTODO", f"UID:{uid}", f"DTSTAMP:{modified}", f"CREATED:{created}",
             f"LAST-MODIFIED:{modified}", f"SUMMARY:{ical.text(title)}",
             f"DESCRIPTION:{ical.text(description)}",
             f"DUE;VALUE=DATE:{ical.ical_date(note.follow_up)}"]
    if follow_up.closed is not None:
        lines += ["STATUS:COMPLETED", f"COMPLETED:{modified}", "PERCENT-COMPLETE:100"]
    else:
        lines.append("STATUS:NEEDS-ACTION")
        for offset in options.alarms:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{ical.text(title)}",
                      f"TRIGGER;RELATED=END:{ical.duration(offset)}", "END:VALARM"]
    return lines + ["END:VTODO"]


def follow_up_items(card_text: str, source_key: str, options: FollowUpOptions) -> dict[str, str]:
    """{href: VCALENDAR text} with one VTODO per follow-up of the card; {} when none.

    hrefs and UIDs are the source key's digest plus the interaction's id, so a
    follow-up keeps its href from creation until its note is removed. Damaged
    interaction lines are skipped (the linter reports them).
    """
    interactions, _ = read_interactions(lenient_lines(card_text))
    found = follow_ups(interactions)
    if options.completed == "remove":
        found = [f for f in found if f.is_open]
    if not found:
        return {}
    name = ical.contact_name(card_text) or ical.UNNAMED[options.language]
    key = ical.stable_key(source_key)
    items = {}
    for follow_up in found:
        stem = f"{key}-{follow_up.interaction.id}"
        items[f"{stem}.ics"] = ical.calendar([_todo(follow_up, name, f"{stem}@cms-dav",
                                                    options)])
    return items
