"""The yearly dates of a vCard (cms_dav.contacts.anniversaries): every spelling, leniently."""

from __future__ import annotations

import pytest

from cms_dav.contacts.anniversaries import DateOfYear, dates_of


def card(*lines: str, version: str = "4.0") -> str:
    body = "".join(f"{line}\r\n" for line in lines)
    return f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:u1\r\nFN:Anna Nowak\r\n{body}END:VCARD\r\n"


@pytest.mark.parametrize("line, expected", [
    ("BDAY:19800612", (1980, 6, 12)),
    ("BDAY:1980-06-12", (1980, 6, 12)),
    ("BDAY:1980-06-12T00:00:00Z", (1980, 6, 12)),
    ("BDAY;VALUE=date-and-or-time:19800612T103000", (1980, 6, 12)),
    ("BDAY:--0612", (None, 6, 12)),
    ("BDAY:--06-12", (None, 6, 12)),
    ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-06-12", (None, 6, 12)),
    ("BDAY:0000-06-12", (None, 6, 12)),
    ("BDAY:--0229", (None, 2, 29)),
])
def test_birthday_spellings_give_year_month_day(line, expected):
    found = dates_of(card(line))
    assert [(d.year, d.month, d.day) for d in found] == [expected]
    assert found[0].kind == "birthday"


def test_apple_omit_year_keeps_a_real_year_that_differs_from_it():
    found = dates_of(card("BDAY;X-APPLE-OMIT-YEAR=1604:1980-06-12", version="3.0"))
    assert found[0].year == 1980


@pytest.mark.parametrize("line", [
    "BDAY:2023-02-29", "BDAY:1980-13-01", "BDAY:---12", "BDAY:1953-10",
    "BDAY;VALUE=text:circa 1800", "BDAY:", "BDAY:yesterday",
])
def test_a_bad_or_partial_date_is_skipped_not_raised(line):
    assert dates_of(card(line)) == []


def test_a_broken_card_still_gives_its_readable_dates():
    text = "BEGIN:VCARD\r\nthis is no content line\r\nBDAY:1990-01-02\r\n"  # no END either
    assert dates_of(text) == [DateOfYear("birthday", None, 1, 2, 1990)]


def test_vcard4_anniversary_and_vcard3_x_anniversary_are_anniversaries():
    assert dates_of(card("ANNIVERSARY:20100501")) == [
        DateOfYear("anniversary", None, 5, 1, 2010)]
    assert dates_of(card("X-ANNIVERSARY:2010-05-01", version="3.0")) == [
        DateOfYear("anniversary", None, 5, 1, 2010)]


@pytest.mark.parametrize("name", ["X-EVOLUTION-ANNIVERSARY", "X-KADDRESSBOOK-X-ANNIVERSARY"])
def test_evolution_and_kde_anniversaries_are_read(name):
    assert dates_of(card(f"{name}:2010-05-01", version="3.0")) == [
        DateOfYear("anniversary", None, 5, 1, 2010)]


def test_the_same_anniversary_written_twice_is_one_date():
    found = dates_of(card("ANNIVERSARY:20100501", "X-ANNIVERSARY:2010-05-01"))
    assert len(found) == 1


def test_apple_abdate_takes_kind_and_label_from_its_item_group():
    found = dates_of(card("item1.X-ABDATE;type=pref:2010-05-01",
                          "item1.X-ABLabel:_$!<Anniversary>!$_",
                          "ITEM2.X-ABDATE:--1224", "item2.X-ABLABEL:Namenstag",
                          "item3.X-ABDATE:2001-03-04", "item3.X-ABLabel:_$!<Other>!$_",
                          version="3.0"))
    assert found == [DateOfYear("anniversary", None, 5, 1, 2010),
                     DateOfYear("other", "Namenstag", 12, 24, None),
                     DateOfYear("other", None, 3, 4, 2001)]


def test_an_abdate_without_a_label_is_an_unlabelled_date():
    assert dates_of(card("X-ABDATE:2001-03-04", version="3.0")) == [
        DateOfYear("other", None, 3, 4, 2001)]


def test_only_the_first_birthday_counts():
    found = dates_of(card("BDAY;ALTID=1:19800612", "BDAY;ALTID=1;LANGUAGE=de:19800613"))
    assert [(d.month, d.day) for d in found] == [(6, 12)]


def test_a_card_without_dates_has_none():
    assert dates_of(card("EMAIL:anna@example.com")) == []
