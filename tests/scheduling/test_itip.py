"""The iTIP views scheduling makes of stored events, without a server."""

from __future__ import annotations

from cms_dav.scheduling import imip, itip
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


def test_imip_invites_only_external_attendees() -> None:
    sent = imip.messages(EVENT, None, lambda address: "bob" not in address, 100)
    assert [(each.method, each.recipients) for each in sent] == []  # bob is local
    guest = EVENT.replace("ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:carol@example.org",
                          "ATTENDEE:mailto:dave@elsewhere.example")
    sent = imip.messages(guest, None, lambda address: "bob" not in address, 100)
    assert [(each.method, each.recipients) for each in sent] == [
        ("REQUEST", ("mailto:dave@elsewhere.example",))]
    assert "METHOD:REQUEST" in sent[0].calendar and "VALARM" not in sent[0].calendar


def test_imip_ignores_an_edit_of_alarms_stamps_and_answers() -> None:
    guest = EVENT.replace(";SCHEDULE-AGENT=CLIENT", "")
    edited = guest.replace("TRIGGER:-PT5M", "TRIGGER:-PT15M").replace(
        "DTSTAMP:20261201T000000Z", "DTSTAMP:20261202T000000Z").replace(
        "PARTSTAT=ACCEPTED", "PARTSTAT=DECLINED")
    assert imip.messages(edited, None, lambda _address: True, 100)  # a valid invitation
    assert imip.messages(edited, guest, lambda _address: True, 100) == []


def test_imip_cancels_for_a_dropped_attendee_and_updates_the_others() -> None:
    guest = EVENT.replace(";SCHEDULE-AGENT=CLIENT", "")
    dropped = guest.replace("ATTENDEE:mailto:carol@example.org\r\n", "")
    sent = imip.messages(dropped, guest, lambda _address: True, 100)
    assert [(each.method, each.recipients) for each in sent] == [
        ("REQUEST", ("mailto:bob@example.org",)), ("CANCEL", ("mailto:carol@example.org",))]


def test_imip_cancels_a_deleted_meeting_for_every_external_attendee() -> None:
    guest = EVENT.replace(";SCHEDULE-AGENT=CLIENT", "")
    sent = imip.messages(None, guest, lambda _address: True, 100)
    assert [each.method for each in sent] == ["CANCEL"]
    assert set(sent[0].recipients) == {"mailto:bob@example.org", "mailto:carol@example.org"}
