"""Follow-ups calendar content (cms_dav.calendars.follow_up_todos), read with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import icalendar
import pytest

from cms_dav.calendars.follow_up_todos import (FollowUpOptions, calendar_display_name,
                                               follow_up_items)

KEY = "alice/contacts/anna.vcf"
CALL = "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;20261201;Send the quote\\, 5% off"
DONE = ("X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;20261201/20261203T101500Z;"
        "Send the quote\\, 5% off")
PLAIN = "X-CMS-INTERACTION:i-2;email;20261121T080000Z;bob;;Sent brochure"
LATER = "X-CMS-INTERACTION:i-3;meeting;20261125T090000Z;bob;20261215;Demo next"


def card(*lines: str, fn: str = "Anna Nowak") -> str:
    body = "".join(f"{line}\r\n" for line in lines)
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:{fn}\r\n{body}END:VCARD\r\n"


def todos(text: str, **options) -> dict[str, icalendar.cal.Component]:
    found = follow_up_items(text, KEY, FollowUpOptions(**options))
    result = {}
    for href, body in found.items():
        cal = icalendar.Calendar.from_ical(body)
        assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
        (todo,) = cal.walk("VTODO")
        result[href] = todo
    return result


def test_an_open_follow_up_is_a_vtodo_due_that_day_with_an_alarm():
    (todo,) = todos(card(CALL)).values()
    assert str(todo["SUMMARY"]) == "Anna Nowak: Send the quote, 5% off"
    assert todo["DUE"].dt == date(2026, 12, 1)
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    (alarm,) = todo.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(hours=9)
    assert alarm["TRIGGER"].params["RELATED"] == "END"
    assert "COMPLETED" not in todo


def test_every_todo_has_uid_and_a_dtstamp_from_the_note_not_the_clock():
    (todo,) = todos(card(CALL)).values()
    assert str(todo["UID"]).endswith("-i-1@cms-dav")
    assert todo["DTSTAMP"].dt == datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def test_the_description_has_the_whole_note_and_who_wrote_it():
    (todo,) = todos(card(CALL.replace("5% off", "5% off\\nand ask about 2027"))).values()
    assert str(todo["DESCRIPTION"]) == ("Send the quote, 5% off\nand ask about 2027\n\n"
                                        "call, 2026-11-20 10:00 UTC, alice")
    assert str(todo["SUMMARY"]) == "Anna Nowak: Send the quote, 5% off"


def test_a_done_follow_up_is_completed_at_the_done_time_without_alarm():
    (todo,) = todos(card(DONE)).values()
    assert str(todo["STATUS"]) == "COMPLETED"
    assert todo["COMPLETED"].dt == datetime(2026, 12, 3, 10, 15, tzinfo=timezone.utc)
    assert int(todo["PERCENT-COMPLETE"]) == 100
    assert todo.walk("VALARM") == []


def test_done_keeps_the_href_so_clients_see_an_update():
    assert set(todos(card(CALL))) == set(todos(card(DONE)))


def test_completed_remove_leaves_done_follow_ups_out():
    assert todos(card(DONE), completed="remove") == {}
    assert len(todos(card(CALL), completed="remove")) == 1


def test_a_later_interaction_with_its_own_follow_up_completes_the_earlier():
    found = todos(card(CALL, LATER))
    assert len(found) == 2
    first = next(t for t in found.values() if str(t["UID"]).endswith("-i-1@cms-dav"))
    second = next(t for t in found.values() if str(t["UID"]).endswith("-i-3@cms-dav"))
    assert str(first["STATUS"]) == "COMPLETED"
    assert first["COMPLETED"].dt == datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    assert str(second["STATUS"]) == "NEEDS-ACTION"


def test_a_later_interaction_without_a_follow_up_closes_nothing():
    found = todos(card(CALL, PLAIN))
    assert [str(t["STATUS"]) for t in found.values()] == ["NEEDS-ACTION"]


def test_interactions_without_follow_up_give_no_items():
    assert follow_up_items(card(PLAIN), KEY, FollowUpOptions()) == {}


def test_a_damaged_interaction_is_skipped_the_others_kept():
    broken = "X-CMS-INTERACTION:i-9;call;yesterday;alice;20261201;x"
    assert len(todos(card(broken, CALL))) == 1


def test_alarm_offsets_follow_the_options():
    (todo,) = todos(card(CALL), alarms=(timedelta(hours=-15), timedelta(hours=8))).values()
    assert [a["TRIGGER"].dt for a in todo.walk("VALARM")] == [timedelta(hours=-15),
                                                               timedelta(hours=8)]
    (todo,) = todos(card(CALL), alarms=()).values()
    assert todo.walk("VALARM") == []


def test_same_input_gives_the_same_bytes():
    text = card(CALL, LATER)
    assert follow_up_items(text, KEY, FollowUpOptions()) == follow_up_items(
        text, KEY, FollowUpOptions())


def test_hrefs_are_unique_per_source_key():
    mine = follow_up_items(card(CALL), KEY, FollowUpOptions())
    theirs = follow_up_items(card(CALL), "bob/contacts/anna.vcf", FollowUpOptions())
    assert len(mine) == 1 and not set(mine) & set(theirs)
    assert all("/" not in href and href.endswith(".ics") for href in mine)


def test_chinese_name_and_text_survive():
    text = card("X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;20261201;报价：三件",
                fn="张伟")
    (todo,) = todos(text).values()
    assert str(todo["SUMMARY"]) == "张伟: 报价：三件"


def test_a_contact_without_name_is_called_unnamed_in_the_language():
    text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\n" + CALL + "\r\nEND:VCARD\r\n")
    (todo,) = todos(text, language="pl").values()
    assert str(todo["SUMMARY"]) == "Kontakt bez nazwy: Send the quote, 5% off"


def test_bad_options_are_refused_naming_the_choices():
    with pytest.raises(ValueError, match="keep, remove"):
        FollowUpOptions(completed="delete")


def test_calendar_display_name_is_localised():
    assert [calendar_display_name(x) for x in ("en", "pl", "zh", "de")] == [
        "Follow-ups", "Kontakty do ponowienia", "跟进", "Wiedervorlagen"]
