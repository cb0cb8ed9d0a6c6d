"""Issue 12, part 3: valid data that stock Radicale 3.9 (through vobject 0.9.9) refuses
is accepted and stored as the client sent it; what the RFCs refuse is still refused
with a named reason. Each test is named after the refusal it mends."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.support.dav import make_addressbook, make_calendar, put_card, report
from tests.support.server import ServerProcess


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """One server for the module's tests; the collections each test makes go after it."""
    return shared_server


VTIMEZONE_BERLIN = [
    "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
    "BEGIN:STANDARD", "DTSTART:19701025T030000", "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "END:VTIMEZONE"]


def _event(lines: list[str], timezone: list[str] | None = None) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//accept//EN",
                        *(timezone or []), "BEGIN:VEVENT", "UID:accept-ev",
                        "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT",
                        "END:VCALENDAR"]) + "\r\n"


def _card(lines: list[str], version: str) -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", "UID:accept-1", *lines,
                        "END:VCARD"]) + "\r\n"


def _put_event(server, text: str) -> tuple[requests.Session, str, requests.Response]:
    alice: requests.Session = server.session("alice", "alice-pw")
    calendar = f"{server.url}/alice/cal/"
    make_calendar(alice, calendar)
    response = alice.put(calendar + "e.ics", data=text.encode(),
                         headers={"Content-Type": "text/calendar; charset=utf-8"})
    return alice, calendar, response


def _stored_as_sent(server, text: str) -> None:
    """A PUT of ``text`` is accepted (201 with ETag) and GET gives ``text`` back."""
    card = text.startswith("BEGIN:VCARD")
    if card:
        alice: requests.Session = server.session("alice", "alice-pw")
        make_addressbook(alice, f"{server.url}/alice/book/")
        url = f"{server.url}/alice/book/c.vcf"
        response = put_card(alice, url, text)
    else:
        alice, calendar, response = _put_event(server, text)
        url = calendar + "e.ics"
    assert response.status_code == 201, response.text
    stored = alice.get(url)
    assert stored.text == text
    assert response.headers.get("ETag") == stored.headers["ETag"]


def test_rdate_period_with_end_and_with_duration_is_accepted(server):
    """RFC 5545 §3.8.5.2: RDATE;VALUE=PERIOD (vobject cannot write PERIOD back)."""
    _stored_as_sent(server, _event([
        "DTSTART:20261201T100000Z", "DTEND:20261201T110000Z",
        "RDATE;VALUE=PERIOD:20261205T100000Z/20261205T120000Z,20261206T100000Z/PT1H"]))


def test_rdate_period_with_tzid_is_accepted(server):
    _stored_as_sent(server, _event([
        "DTSTART;TZID=Europe/Berlin:20261201T100000", "DURATION:PT1H",
        "RDATE;VALUE=PERIOD;TZID=Europe/Berlin:20261205T100000/PT2H"], VTIMEZONE_BERLIN))


@pytest.mark.parametrize("day", ["20261201", "20261205"], ids=["dtstart", "period"])
def test_event_with_rdate_period_is_found_by_a_time_range_query_on_each_occurrence(
        server, day: str):
    """vobject's recurrence set skipped PERIOD RDATEs and then DTSTART too."""
    alice, calendar, response = _put_event(server, _event([
        "DTSTART:20261201T100000Z", "DTEND:20261201T110000Z",
        "RDATE;VALUE=PERIOD:20261205T100000Z/PT1H"]))
    assert response.status_code == 201, response.text
    query = ('<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" '
             'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
             '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
             f'<c:time-range start="{day}T000000Z" end="{day}T235959Z"/>'
             '</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>')
    found = report(alice, calendar, query)
    assert found.status_code == 207
    assert "/alice/cal/e.ics" in found.text


def test_vcard21_base64_photo_is_accepted(server):
    """vCard 2.1 §2.1.3 spells base64 ENCODING=BASE64 (vobject writes only ENCODING=b)."""
    photo = base64.b64encode(b"\xff\xd8\xff\xe0 not really a jpeg").decode()
    _stored_as_sent(server, _card(["N:Photo;Anna;;;", "FN:Anna Photo",
                                   f"PHOTO;ENCODING=BASE64;TYPE=JPEG:{photo}"], "2.1"))


def test_vcard21_8bit_value_is_accepted(server):
    """vCard 2.1 §2.1.3: ENCODING=8BIT is plain text (vobject base64-decoded it)."""
    _stored_as_sent(server, _card(["N:Acht;Bit;;;", "FN:Bit Acht",
                                   "NOTE;ENCODING=8BIT:Grüße aus Köln"], "2.1"))


def test_vcard21_without_fn_is_accepted(server):
    """vCard 2.1 has no required FN (RFC 2426 §3.1.1 requires it from 3.0 on)."""
    _stored_as_sent(server, _card(["N:Ohne;Fn;;;", "TEL;CELL:+49 170 1"], "2.1"))


def test_vcard30_without_fn_is_still_refused_naming_fn(server):
    alice: requests.Session = server.session("alice", "alice-pw")
    make_addressbook(alice, f"{server.url}/alice/book/")
    response = put_card(alice, f"{server.url}/alice/book/c.vcf",
                        _card(["N:Ohne;Fn;;;"], "3.0"))
    assert response.status_code == 400
    assert "FN" in response.text


def _freebusy(*blocks: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//accept//EN"]
    for block in blocks:
        lines += ["BEGIN:VFREEBUSY", "DTSTAMP:20260101T000000Z", *block, "END:VFREEBUSY"]
    return "\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n"


FREEBUSY = ["UID:accept-fb", "ORGANIZER:mailto:anna@example.org",
            "FREEBUSY;FBTYPE=BUSY:20261203T090000Z/20261203T100000Z,20261204T090000Z/PT1H"]


def test_vfreebusy_object_is_accepted(server):
    """RFC 4791 §4.1 allows VFREEBUSY objects; Radicale found no time range for them."""
    _stored_as_sent(server, _freebusy(FREEBUSY))


def test_vfreebusy_object_is_found_by_a_time_range_query_on_a_busy_period(server):
    """RFC 4791 §9.9: a VFREEBUSY without DTSTART/DTEND overlaps through its FREEBUSY."""
    alice, calendar, response = _put_event(server, _freebusy(FREEBUSY))
    assert response.status_code == 201, response.text
    query = ('<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" '
             'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
             '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VFREEBUSY">'
             '<c:time-range start="20261204T093000Z" end="20261204T094500Z"/>'
             '</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>')
    found = report(alice, calendar, query)
    assert found.status_code == 207
    assert "/alice/cal/e.ics" in found.text


def test_vfreebusy_components_with_two_uids_are_refused_naming_them(server):
    """RFC 4791 §4.1: one UID per calendar object resource, VFREEBUSY included."""
    _, _, response = _put_event(server, _freebusy(FREEBUSY, ["UID:accept-fb-2"]))
    assert response.status_code == 400
    assert "two UIDs" in response.text and "accept-fb-2" in response.text
