"""Which iMIP messages (RFC 6047) an organizer's write means for attendees who are not
users of this server: pure functions over the old and new iCalendar text.

- a new event, or a new external attendee: ``REQUEST`` (RFC 5546 §3.2.2);
- an edit that changes what an attendee sees (anything but DTSTAMP, LAST-MODIFIED,
  SEQUENCE, alarms and the attendees' answers): ``REQUEST`` again to every external
  attendee (§3.2.2.1);
- a deletion, ``STATUS:CANCELLED``, or an attendee dropped: ``CANCEL`` (§3.2.5).

The message is the organizer's event without alarms or server-only parameters (the
attendee copy of :mod:`.itip`), with ``METHOD``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from cms_dav.scheduling import itip
from cms_dav.scheduling.addresses import MAILTO

#: properties whose change alone is no news to an attendee
QUIET_PROPERTIES = ("dtstamp", "last-modified", "sequence", "created")
#: parameters whose change alone is no news (answers are the attendees' own)
QUIET_PARAMS = ("PARTSTAT", "SCHEDULE-STATUS", "RSVP", "SCHEDULE-FORCE-SEND")


@dataclass(frozen=True)
class Message:
    """One iMIP message for ``recipients`` (``mailto:`` addresses)."""
    method: str
    recipients: tuple[str, ...]
    #: the iTIP object (text/calendar with METHOD)
    calendar: str
    organizer: str
    summary: str


def _parsed(text: str | None) -> tuple[Any, itip.Event] | None:
    calendar = itip.parse(text) if text else None
    event = itip.event_of(calendar) if calendar is not None else None
    return (calendar, event) if calendar is not None and event is not None else None


def _digest(calendar: Any) -> str:
    """What an attendee sees of the event, as a digest (see QUIET_*)."""
    lines = []
    for event in itip.events(calendar):
        for name, values in sorted(event.contents.items()):
            if name in QUIET_PROPERTIES or name == "valarm":
                continue
            for line in values:
                params = {key: value for key, value in line.params.items()
                          if key not in QUIET_PARAMS}
                lines.append(f"{name};{sorted(params.items())}:{line.value}")
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _summary(calendar: Any) -> str:
    master = calendar.vevent_list[0]
    return str(master.summary.value)[:200] if "summary" in master.contents else ""


def messages(new_text: str | None, old_text: str | None, is_external: Callable[[str], bool],
             max_recipients: int) -> list[Message]:
    """The messages an organizer's change from ``old_text`` to ``new_text`` (None: it
    did not exist / was deleted) means for the attendees ``is_external`` picks."""
    new, old = _parsed(new_text), _parsed(old_text)
    found: list[Message] = []

    def external(event: itip.Event) -> list[str]:
        return [address for address in event.attendees
                if address.startswith(MAILTO) and address != event.organizer
                and is_external(address)][:max_recipients]

    def add(method: str, calendar: Any, event: itip.Event, recipients: list[str]) -> None:
        if recipients:
            copy = itip.attendee_copy(calendar, "", None, cancelled=method == "CANCEL")
            found.append(Message(method, tuple(recipients), itip.message(copy, method),
                                 event.organizer, _summary(calendar)))

    if new is None:
        if old is not None and not old[1].cancelled:
            add("CANCEL", old[0], old[1], external(old[1]))
        return found
    calendar, event = new
    invited = external(event)
    if event.cancelled:
        if old is None or not old[1].cancelled:
            add("CANCEL", calendar, event, invited)
        return found
    if old is None or old[1].cancelled or _digest(old[0]) != _digest(calendar):
        add("REQUEST", calendar, event, invited)
    else:
        add("REQUEST", calendar, event, [a for a in invited if a not in old[1].attendees])
    if old is not None:
        dropped = [a for a in external(old[1]) if a not in event.attendees]
        add("CANCEL", old[0], old[1], dropped)
    return found
