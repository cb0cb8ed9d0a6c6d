import icalendar
import pytest

from cms_dav.io.export_formats import export_ics
from cms_dav.io.ics_import import split_ics
from cms_dav.io.ics_parts import IcsError

TZ = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Warsaw\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
      "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")


def event(uid: str, extra: str = "",
          start: str = "DTSTART;TZID=Europe/Warsaw:20240105T100000") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20240101T000000Z\r\n{start}\r\n"
            f"{extra}SUMMARY:{uid}\r\nEND:VEVENT\r\n")


def calendar(*parts: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + "".join(parts)
            + "END:VCALENDAR\r\n")


def test_each_uid_becomes_one_object_with_its_timezone():
    results = list(split_ics(calendar(TZ, event("a"), event("b"))))
    assert [r.uid for r in results] == ["a", "b"]
    for r in results:
        cal = icalendar.Calendar.from_ical(r.text)
        assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT"]


def test_recurrence_override_stays_with_its_master():
    master = event("r", "RRULE:FREQ=DAILY;COUNT=3\r\n")
    override = event("r", "RECURRENCE-ID;TZID=Europe/Warsaw:20240106T100000\r\n")
    (result,) = split_ics(calendar(TZ, override, master))
    events = [c for c in icalendar.Calendar.from_ical(result.text).walk("VEVENT")]
    # in the file's order: the object keeps the file's lines (issue 12)
    assert len(events) == 2 and "RECURRENCE-ID" in events[0]
    assert "RECURRENCE-ID" not in events[1]


def test_todo_without_timezone_gets_no_vtimezone():
    todo = "BEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:x\r\nEND:VTODO\r\n"
    (result,) = split_ics(calendar(TZ, todo))
    assert "VTIMEZONE" not in result.text


def test_unknown_tzid_without_vtimezone_is_reported():
    (result,) = split_ics(calendar(event("a", start="DTSTART;TZID=Mars/Olympus:20240105T100000")))
    assert "Mars/Olympus" in result.error


def test_unbalanced_calendar_raises_with_line_number():
    with pytest.raises(IcsError, match="line"):
        list(split_ics("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\n"))


def test_export_ics_writes_one_calendar_with_each_timezone_once():
    objects = [r.text for r in split_ics(calendar(TZ, event("a"), event("b")))]
    cal = icalendar.Calendar.from_ical(export_ics(objects))
    assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT", "VEVENT"]


def test_exported_calendar_splits_back_into_the_same_objects():
    objects = [r.text for r in split_ics(calendar(TZ, event("a"), event("b")))]
    exported = [r.text for r in split_ics(export_ics(objects))]
    # the same objects inside the exporter's VCALENDAR lines (PRODID)
    assert [t.replace("-//cms_dav//export//EN", "-//t//t//EN") for t in exported] == objects
