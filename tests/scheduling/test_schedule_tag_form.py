"""What the Schedule-Tag's hash leaves out (RFC 6638 §3.2.10), without a server."""

from __future__ import annotations

from cms_dav.scheduling.schedule_tag import schedule_tag

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//a//EN\r\nBEGIN:VEVENT\r\nUID:u\r\n"
         "DTSTAMP:20261201T000000Z\r\nDTSTART:20261210T100000Z\r\nSUMMARY:Meeting\r\n"
         "ORGANIZER;CN=alice:mailto:alice@example.org\r\n"
         "ATTENDEE;CN=bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.org\r\n"
         "END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_attendee_alarm_transparency_and_stamps_keep_the_tag() -> None:
    changed = (EVENT.replace("PRODID:-//a//EN", "PRODID:-//b//EN")
               .replace("DTSTAMP:20261201T000000Z", "DTSTAMP:20261202T000000Z")
               .replace("PARTSTAT=NEEDS-ACTION;RSVP=TRUE", "SCHEDULE-STATUS=2.0;"
                        "PARTSTAT=ACCEPTED")
               .replace("END:VEVENT", "TRANSP:TRANSPARENT\r\nLAST-MODIFIED:20261202T000000Z"
                        "\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\n"
                        "END:VALARM\r\nEND:VEVENT"))
    assert schedule_tag(changed) == schedule_tag(EVENT)


def test_reordered_and_refolded_lines_keep_the_tag() -> None:
    lines = EVENT.split("\r\n")
    reordered = "\r\n".join(lines[:5] + [lines[7], lines[6], lines[5]] + lines[8:])
    refolded = reordered.replace("SUMMARY:Meeting", "SUMMARY:Mee\r\n ting")
    assert schedule_tag(refolded) == schedule_tag(EVENT)


def test_summary_change_changes_the_tag() -> None:
    assert schedule_tag(EVENT.replace("Meeting", "Lunch")) != schedule_tag(EVENT)


def test_attendee_added_changes_the_tag() -> None:
    more = EVENT.replace("END:VEVENT", "ATTENDEE:mailto:carol@example.org\r\nEND:VEVENT")
    assert schedule_tag(more) != schedule_tag(EVENT)


def test_todo_with_organizer_is_a_scheduling_object() -> None:
    assert schedule_tag(EVENT.replace("VEVENT", "VTODO")) is not None


def test_event_without_organizer_is_no_scheduling_object() -> None:
    plain = EVENT.replace("ORGANIZER;CN=alice:mailto:alice@example.org\r\n", "")
    assert schedule_tag(plain) is None
