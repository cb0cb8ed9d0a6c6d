"""The search index keeps the dashboard's dates of a card (migration 0014_web_dashboard):
its birthday as month * 100 + day and its earliest open follow-up."""

from __future__ import annotations

from datetime import date

from cms_dav.contacts.index_store import analyse
from cms_dav.contacts.interactions import PROPERTY

CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ada\r\nN:;Ada;;;\r\n"
        "BDAY:1980-02-29\r\n{lines}END:VCARD\r\n")
NOTE = PROPERTY + ":{id};call;20261101T100000Z;alice;{follow_up};text\r\n"


def _card(*notes: tuple[str, str]) -> str:
    return CARD.format(lines="".join(NOTE.format(id=i, follow_up=f) for i, f in notes))


def test_the_birthday_is_kept_as_month_and_day() -> None:
    assert analyse(_card(), "", "test").birthday == 229


def test_a_card_without_a_birthday_or_follow_up_keeps_none() -> None:
    index = analyse(CARD.replace("BDAY:1980-02-29\r\n", "").format(lines=""), "", "test")
    assert index.birthday is None and index.follow_up is None


def test_the_earliest_open_follow_up_is_kept_and_done_ones_are_not() -> None:
    card = _card(("i-1", "20261210/20261105T090000Z"), ("i-2", "20261220"))
    assert analyse(card, "", "test").follow_up == date(2026, 12, 20)
