"""The kinds of server-generated calendar: where each lives, what it holds, how it is made.

A kind turns one contact card into ``{href: VCALENDAR text}`` (the pure generators of
``birthday_events`` and ``follow_up_todos``), given the day the content is made for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

#: card text, a stable key of the card (``<book path>/<href>``), today -> {href: text}
Generator = Callable[[str, str, date], dict[str, str]]


@dataclass(frozen=True)
class CalendarKind:
    #: the collection's name under the home (``/alice/birthdays/``), the marker's value
    #: and the per-user preference's name
    name: str
    #: the only component the calendar holds (RFC 4791 §5.2.3)
    component: str
    display_name: str
    description: str
    generate: Generator = lambda text, key, today: {}
    #: on for a user who has not chosen (the config default)
    default_on: bool = True
    #: what else the content depends on (options): a change regenerates every calendar
    signature: str = ""
