"""The iTIP views scheduling makes of stored events, without a server."""

from __future__ import annotations

from cms_dav.scheduling import itip
from cms_dav.scheduling.delivery import href_of

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
         "DTSTAMP:20261201T000000Z\r\nDTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\n"
         "ORGANIZER:mailto:Alice@Example.org\r\n"
         "ATTENDEE;PARTSTAT=ACCEPTED;SCHEDULE-STATUS=1.2:mailto:bob@example.org\r\n"
         "ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:carol@example.org\r\n"
         "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
         "END:VEVENT\r\nEND:VCALENDAR\r\n")


def facts(text: str) -> itip.Event:
    calendar = itip.parse(text)
    assert calendar is not None
    event = itip.event_of(calendar)
    assert event is not None
    return event


def test_addresses_compare_case_insensitively_and_client_scheduled_ones_are_left_out() -> None:
    event = facts(EVENT)
    assert event.organizer == "mailto:alice@example.org"
    assert event.attendees == {"mailto:bob@example.org": "ACCEPTED"}


def test_moving_the_start_changes_the_timing() -> None:
    moved = EVENT.replace("DTSTART:20261210T100000Z", "DTSTART:20261210T090000Z")
    assert facts(moved).timing != facts(EVENT).timing
    assert facts(EVENT.replace("UID:u1", "UID:u1\r\nSUMMARY:new")).timing == facts(EVENT).timing


def test_an_attendee_copy_drops_alarms_and_server_parameters() -> None:
    calendar = itip.parse(EVENT)
    copy = itip.attendee_copy(calendar, "mailto:bob@example.org", "NEEDS-ACTION")
    assert "VALARM" not in copy and "SCHEDULE-STATUS" not in copy
    assert "PARTSTAT=NEEDS-ACTION" in copy


def test_hrefs_of_different_uids_never_collide() -> None:
    assert href_of("a/b") != href_of("a_b")
    assert href_of("meeting-1") == "meeting-1.ics"
