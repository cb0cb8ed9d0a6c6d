"""Birthday calendar content (cms_dav.calendars.birthday_events), checked with icalendar
and recurring_ical_events as a client would read it."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest
import recurring_ical_events

from cms_dav.calendars.birthday_events import (BirthdayOptions, birthday_items,
                                               calendar_display_name)

TODAY = date(2027, 6, 1)


def card(*lines: str, fn: str | None = "Anna Nowak", version: str = "4.0") -> str:
    head = f"FN:{fn}\r\n" if fn is not None else ""
    body = "".join(f"{line}\r\n" for line in lines)
    return f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:u1\r\n{head}{body}END:VCARD\r\n"


def items(text: str, key: str = "alice/contacts/anna.vcf", **options) -> dict[str, str]:
    return birthday_items(text, key, BirthdayOptions(today=options.pop("today", TODAY),
                                                     **options))


def only(text: str, **options) -> icalendar.Calendar:
    found = items(text, **options)
    assert len(found) == 1, found
    return icalendar.Calendar.from_ical(next(iter(found.values())))


def between(calendar: icalendar.Calendar, start: date, end: date) -> list[tuple[date, str]]:
    """(date, summary) of every occurrence in [start, end)."""
    events = recurring_ical_events.of(calendar).between(start, end)
    return sorted((e["DTSTART"].dt, str(e["SUMMARY"])) for e in events)


def test_full_date_is_a_yearly_transparent_all_day_event_with_the_name():
    cal = only(card("BDAY:19800612"))
    master = next(c for c in cal.walk("VEVENT") if "RRULE" in c)
    assert master["DTSTART"].dt == date(1980, 6, 12)
    assert master["DTEND"].dt == date(1980, 6, 13)
    assert master["RRULE"]["FREQ"] == ["YEARLY"]
    assert str(master["TRANSP"]) == "TRANSPARENT"
    assert master["CATEGORIES"].cats == ["Birthday"]
    assert str(master["SUMMARY"]) == "Anna Nowak's birthday"


def test_every_item_has_the_rfc5545_required_properties():
    text = next(iter(items(card("BDAY:19800612")).values()))
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
    for event in cal.walk("VEVENT"):
        assert str(event["UID"]) and event["DTSTAMP"].dt.tzinfo is not None


def test_the_age_is_in_the_summary_around_today():
    cal = only(card("BDAY:19800612"))
    assert between(cal, date(2026, 1, 1), date(2030, 1, 1)) == [
        (date(2026, 6, 12), "Anna Nowak's birthday (46)"),
        (date(2027, 6, 12), "Anna Nowak's birthday (47)"),
        (date(2028, 6, 12), "Anna Nowak's birthday (48)"),
        (date(2029, 6, 12), "Anna Nowak's birthday (49)"),
    ]


def test_outside_the_window_the_event_still_recurs_without_an_age():
    cal = only(card("BDAY:19800612"))
    assert between(cal, date(2035, 1, 1), date(2036, 1, 1)) == [
        (date(2035, 6, 12), "Anna Nowak's birthday")]


def test_no_age_zero_and_no_override_before_the_birth_year():
    cal = only(card("BDAY:20270301"))
    assert between(cal, date(2026, 1, 1), date(2029, 1, 1)) == [
        (date(2027, 3, 1), "Anna Nowak's birthday"),
        (date(2028, 3, 1), "Anna Nowak's birthday (1)")]


@pytest.mark.parametrize("bday", ["BDAY:--0612", "BDAY:--06-12",
                                  "BDAY;X-APPLE-OMIT-YEAR=1604:1604-06-12"])
def test_year_less_dates_recur_without_an_age(bday):
    cal = only(card(bday, version="3.0" if "1604" in bday else "4.0"))
    assert between(cal, date(2026, 1, 1), date(2029, 1, 1)) == [
        (date(2026, 6, 12), "Anna Nowak's birthday"),
        (date(2027, 6, 12), "Anna Nowak's birthday"),
        (date(2028, 6, 12), "Anna Nowak's birthday")]
    assert len(list(cal.walk("VEVENT"))) == 1


@pytest.mark.parametrize("feb29, common_year_day", [("feb28", date(2027, 2, 28)),
                                                    ("mar1", date(2027, 3, 1))])
@pytest.mark.parametrize("bday", ["BDAY:20000229", "BDAY:--0229"])
def test_feb_29_falls_once_a_year_per_the_option(feb29, common_year_day, bday):
    cal = only(card(bday), feb29=feb29)
    days = [d for d, _ in between(cal, date(2027, 1, 1), date(2029, 1, 1))]
    assert days == [common_year_day, date(2028, 2, 29)]


@pytest.mark.parametrize("feb29", ["feb28", "mar1"])
def test_feb_29_has_exactly_one_occurrence_every_year_for_a_century(feb29):
    cal = only(card("BDAY:19960229"), feb29=feb29)
    years = [d.year for d, _ in between(cal, date(2001, 1, 1), date(2101, 1, 1))]
    assert years == list(range(2001, 2101))


def test_feb_29_age_overrides_sit_on_the_moved_day():
    cal = only(card("BDAY:20000229"), feb29="mar1")
    assert between(cal, date(2027, 1, 1), date(2029, 1, 1)) == [
        (date(2027, 3, 1), "Anna Nowak's birthday (27)"),
        (date(2028, 2, 29), "Anna Nowak's birthday (28)")]


def test_default_alarms_are_nine_on_the_day_and_nine_the_day_before():
    cal = only(card("BDAY:--0612"))
    triggers = [a["TRIGGER"].dt for a in cal.walk("VALARM")]
    assert triggers == [timedelta(hours=9), timedelta(hours=-15)]
    assert all(str(a["ACTION"]) == "DISPLAY" and str(a["DESCRIPTION"])
               for a in cal.walk("VALARM"))


def test_alarms_follow_the_options():
    assert list(only(card("BDAY:--0612"), alarms=()).walk("VALARM")) == []
    cal = only(card("BDAY:--0612"), alarms=(timedelta(days=-7, hours=8),))
    assert [a["TRIGGER"].dt for a in cal.walk("VALARM")] == [timedelta(days=-7, hours=8)]


def test_every_age_override_carries_the_alarms_too():
    cal = only(card("BDAY:19800612"))
    for event in cal.walk("VEVENT"):
        assert len(event.walk("VALARM")) == 2


def test_anniversaries_get_their_own_item_with_label_and_years():
    found = items(card("BDAY:--0612", "item1.X-ABDATE:2010-05-01",
                       "item1.X-ABLabel:_$!<Anniversary>!$_", "item2.X-ABDATE:--1224",
                       "item2.X-ABLabel:Name day", version="3.0"))
    summaries = sorted(
        str(e["SUMMARY"]) for text in found.values()
        for e in recurring_ical_events.of(icalendar.Calendar.from_ical(text)).between(
            date(2027, 1, 1), date(2028, 1, 1)))
    assert summaries == ["Anna Nowak's anniversary (17 years)", "Anna Nowak's birthday",
                         "Anna Nowak: Name day"]
    anniversary = next(t for t in found.values() if "anniversary (" in t)
    assert "CATEGORIES:Anniversary" in anniversary


@pytest.mark.parametrize("language, bday, summary", [
    ("pl", "BDAY:19860612", "Urodziny: Anna Nowak (41 lat)"),
    ("pl", "BDAY:19850612", "Urodziny: Anna Nowak (42 lata)"),
    ("pl", "BDAY:20260612", "Urodziny: Anna Nowak (1 rok)"),
    ("pl", "BDAY:20150612", "Urodziny: Anna Nowak (12 lat)"),
    ("de", "BDAY:19800612", "47. Geburtstag von Anna Nowak"),
    ("zh", "BDAY:19800612", "Anna Nowak的47岁生日"),
    ("en", "BDAY:--0612", "Anna Nowak's birthday"),
    ("zh-CN", "BDAY:--0612", "Anna Nowak的生日"),
])
def test_summaries_are_localised(language, bday, summary):
    cal = only(card(bday), language=language)
    assert [s for _, s in between(cal, date(2027, 1, 1), date(2028, 1, 1))] == [summary]


def test_polish_anniversary_category_and_years():
    cal = only(card("ANNIVERSARY:20220501"), language="pl")
    assert between(cal, date(2027, 1, 1), date(2028, 1, 1)) == [
        (date(2027, 5, 1), "Rocznica: Anna Nowak (5 lat)")]
    assert next(iter(cal.walk("VEVENT")))["CATEGORIES"].cats == ["Rocznica"]


def test_chinese_name_from_n_is_family_name_first_without_a_space():
    cal = only(card("N:张;伟;;;", "BDAY:19800612", fn=None), language="zh")
    assert [s for _, s in between(cal, date(2027, 1, 1), date(2028, 1, 1))] == ["张伟的47岁生日"]


def test_western_name_from_n_is_given_name_first():
    cal = only(card("N:Nowak;Anna;Maria;Dr.;", "BDAY:--0612", fn=None))
    assert str(next(iter(cal.walk("VEVENT")))["SUMMARY"]) == "Dr. Anna Maria Nowak's birthday"


def test_same_input_gives_the_same_bytes_all_year():
    text = card("BDAY:19800612", "ANNIVERSARY:20100501")
    assert items(text) == items(text)
    assert items(text, today=date(2027, 1, 1)) == items(text, today=date(2027, 12, 31))
    assert items(text, today=date(2027, 1, 1)) != items(text, today=date(2028, 1, 1))


def test_hrefs_are_stable_unique_and_derived_from_the_source_key():
    text = card("BDAY:19800612", "ANNIVERSARY:20100501", "X-ANNIVERSARY:2012-07-07")
    first = items(text, key="alice/contacts/anna.vcf")
    assert len(first) == 3
    assert set(first) == set(items(card("BDAY:19810101", "ANNIVERSARY:20110501",
                                        "X-ANNIVERSARY:2013-01-01"),
                                   key="alice/contacts/anna.vcf"))
    other = items(text, key="bob/contacts/anna.vcf")
    assert not set(first) & set(other)
    assert all("/" not in href and href.endswith(".ics") for href in first)


def test_one_uid_per_item_shared_by_master_and_overrides():
    for text in items(card("BDAY:19800612", "ANNIVERSARY:20100501")).values():
        uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
        assert len(uids) == 1


def test_text_is_crlf_and_folded_at_75_octets():
    text = next(iter(items(card("BDAY:--0612", fn="Zofia " + "Żółkiewska-" * 12)).values()))
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    name = str(icalendar.Calendar.from_ical(text).walk("VEVENT")[0]["SUMMARY"])
    assert name == "Zofia " + "Żółkiewska-" * 12 + "'s birthday"


def test_text_values_are_escaped():
    cal = only(card("BDAY:--0612", fn="Nowak\\, Anna\\; Jr."))
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == "Nowak, Anna; Jr.'s birthday"


def test_a_card_without_dates_gives_no_items():
    assert items(card("EMAIL:anna@example.com")) == {}


def test_bad_options_are_refused_naming_the_choices():
    with pytest.raises(ValueError, match="feb28, mar1"):
        BirthdayOptions(today=TODAY, feb29="feb30")
    with pytest.raises(ValueError, match="en, pl, zh, de"):
        BirthdayOptions(today=TODAY, language="fr")


def test_calendar_display_name_is_localised():
    assert [calendar_display_name(x) for x in ("en", "pl", "zh-CN", "de", "fr")] == [
        "Birthdays", "Urodziny", "生日", "Geburtstage", "Birthdays"]


def test_a_contact_without_any_name_is_called_unnamed_in_the_language():
    text = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:u1\r\nBDAY:--0612\r\nEND:VCARD\r\n"
    cal = only(text, language="de")
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == "Geburtstag von Kontakt ohne Namen"


def test_a_contact_with_only_an_organisation_is_called_by_it():
    cal = only(card("ORG:ACME Sp. z o.o.;Sales", "ANNIVERSARY:--0301", fn=None))
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == "ACME Sp. z o.o., Sales's anniversary"


def test_control_characters_in_a_name_are_dropped():
    cal = only(card("BDAY:--0612", fn="Anna\x01 Nowak\x7f"))
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == "Anna Nowak's birthday"
