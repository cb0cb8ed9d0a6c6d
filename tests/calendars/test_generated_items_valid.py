"""Every generated reminder item is a calendar object Radicale and cms_dav's own object
check accept as an upload would be (RFC 4791 §4.1, RFC 5545 §3.1), in every variant."""

from __future__ import annotations

from datetime import date

import pytest
import vobject
from radicale import item as radicale_item

from cms_dav.calendars.birthday_events import LANGUAGES, BirthdayOptions, birthday_items
from cms_dav.calendars.follow_up_todos import FollowUpOptions, follow_up_items
from cms_dav.io.object_check import check_object

CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nN:张;伟;;;\r\nBDAY:2000-02-29\r\n"
        "X-ANNIVERSARY:2010-05-01\r\nitem1.X-ABDATE:--1224\r\nitem1.X-ABLabel:Name day\\, ok\r\n"
        "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;20261201/20261203T101500Z;"
        "Quote\\; 5% off\\, " + "long text " * 20 + "\r\n"
        "X-CMS-INTERACTION:i-2;visit;20261121T100000Z;alice;20261205;Spotkanie w Łodzi\r\n"
        "END:VCARD\r\n")


def generated() -> list[tuple[str, str]]:
    found = []
    for language in LANGUAGES:
        for feb29 in ("feb28", "mar1"):
            options = BirthdayOptions(today=date(2027, 6, 1), feb29=feb29, language=language)
            found += [(f"{language}-{feb29}-{href}", text)
                      for href, text in birthday_items(CARD, "k", options).items()]
        found += [(f"{language}-{href}", text) for href, text in
                  follow_up_items(CARD, "k", FollowUpOptions(language=language)).items()]
    return found


ITEMS = generated()


def test_every_kind_of_item_is_generated():
    assert len(ITEMS) == 4 * (2 * 3 + 2)


@pytest.mark.parametrize("name, text", ITEMS, ids=[name for name, _ in ITEMS])
def test_radicale_accepts_the_item_as_it_would_an_upload(name, text):
    components = list(vobject.readComponents(text))
    radicale_item.check_and_sanitize_items(components, max_vevent_rrule_occurrence=10000,
                                           tag="VCALENDAR")
    item = radicale_item.Item(collection_path="alice/generated", vobject_item=components[0])
    item.prepare()
    assert item.uid and item.component_name in ("VEVENT", "VTODO")


@pytest.mark.parametrize("name, text", ITEMS, ids=[name for name, _ in ITEMS])
def test_the_object_check_finds_no_problem(name, text):
    assert check_object(text, "VCALENDAR") == []


@pytest.mark.parametrize("name, text", ITEMS, ids=[name for name, _ in ITEMS])
def test_lines_are_crlf_and_at_most_75_octets(name, text):
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75
