"""Issue 12, part 1: a PUT of one object stores the client's text, not vobject's
re-serialization, and every read gives it back (byte-identical after CRLF
normalisation). Each test is named after a loss vobject caused."""

from __future__ import annotations

import pytest
import requests

from tests.support.dav import make_addressbook, make_calendar, put_card, report
from tests.support.server import ServerProcess


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """One server for the module's tests; the collections each test makes go after it."""
    return shared_server


def _crlf(text: str) -> str:
    return "".join(line + "\r\n" for line in text.replace("\r\n", "\n").rstrip("\n").split("\n"))


def _card_round_trip(server, lines: list[str], version: str = "3.0") -> str:
    alice: requests.Session = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/book/"
    make_addressbook(alice, book)
    text = "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", "UID:lossless-1", *lines,
                        "END:VCARD"]) + "\r\n"
    response = put_card(alice, book + "c.vcf", text)
    assert response.status_code == 201, response.text
    stored = alice.get(book + "c.vcf")
    assert stored.text == _crlf(text)
    assert response.headers.get("ETag") == stored.headers["ETag"]
    return stored.text


def _event_round_trip(server, lines: list[str], extra: str = "") -> str:
    alice: requests.Session = server.session("alice", "alice-pw")
    calendar = f"{server.url}/alice/cal/"
    make_calendar(alice, calendar)
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//lossless//EN",
                        *([extra] if extra else []),
                        "BEGIN:VEVENT", "UID:lossless-ev", "DTSTAMP:20260101T000000Z",
                        *lines, "END:VEVENT", "END:VCALENDAR"]) + "\r\n"
    response = alice.put(calendar + "e.ics", data=text.encode(),
                         headers={"Content-Type": "text/calendar; charset=utf-8"})
    assert response.status_code == 201, response.text
    stored = alice.get(calendar + "e.ics")
    assert stored.text == _crlf(text)
    return stored.text


def test_comma_in_note_is_not_cut(server):
    text = _card_round_trip(server, ["FN:Anna", "NOTE:Interessen: Internet trollen, Kekse backen"])
    assert "Kekse backen" in text


def test_comma_in_fn_is_not_cut(server):
    _card_round_trip(server, ["FN:Mr. John Richter, James Doe Sr.", "N:Richter;John;;;"])


def test_nickname_list_keeps_every_nickname(server):
    text = _card_round_trip(server, ["FN:Nick", "NICKNAME:Nick1,Nick2"])
    assert "Nick2" in text


def test_comma_in_apple_grouped_address_is_not_cut(server):
    _card_round_trip(server, ["FN:Addr", "item3.X-ABADR:Street 4, Building 6, Floor 2",
                              "ADR;TYPE=HOME:;;Street 4, Building 6;Town;;12345;DE"])


def test_vcard4_data_uri_photo_is_kept(server):
    _card_round_trip(server, ["FN:Photo", "PHOTO:data:image/png;base64,iVBORw0KGgo="],
                     version="4.0")


def test_vcard21_bare_type_parameters_are_kept(server):
    text = _card_round_trip(server, ["FN:Mobile", "N:Mobile;;;;", "TEL;CELL;PREF:+49 170 1"],
                            version="2.1")
    assert "TEL;CELL;PREF:" in text


def test_escaped_colon_in_url_is_not_re_escaped(server):
    _card_round_trip(server, ["FN:Web", "URL:http\\://example.org/"])


def test_no_vobject_parameters_in_stored_text(server):
    text = _event_round_trip(server, ["DTSTART:20261201T100000", "SUMMARY:floating"])
    assert "X-VOBJ-" not in text


def test_comma_in_location_is_not_cut(server):
    _event_round_trip(server, ["DTSTART:20261201T100000Z", "LOCATION:aka bild, wien"])


def test_categories_list_keeps_every_category(server):
    _event_round_trip(server, ["DTSTART:20261201T100000Z", "CATEGORIES:WORK,TRAVEL,FUN"])


def test_rdate_and_exdate_lists_keep_every_date(server):
    _event_round_trip(server, ["DTSTART:20261201T100000Z", "RRULE:FREQ=DAILY;COUNT=5",
                               "RDATE:20261210T100000Z,20261211T100000Z",
                               "EXDATE:20261202T100000Z,20261203T100000Z"])


def test_tzid_times_are_untouched(server):
    vtimezone = "\r\n".join([
        "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
        "BEGIN:STANDARD", "DTSTART:19701025T030000", "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
        "END:VTIMEZONE"])
    text = _event_round_trip(server, ["DTSTART;TZID=Europe/Berlin:20261201T100000",
                                      "DTEND;TZID=Europe/Berlin:20261201T110000"], vtimezone)
    assert "DTSTART;TZID=Europe/Berlin:20261201T100000\r\n" in text


def test_duration_pt24h_is_kept(server):
    text = _event_round_trip(server, ["DTSTART:20261201T100000Z", "DURATION:PT24H"])
    assert "DURATION:PT24H" in text


def test_multiget_serves_the_stored_text(server):
    alice: requests.Session = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/book/"
    make_addressbook(alice, book)
    text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:m1\r\nFN:Multi\r\n"
            "NOTE:one, two, three\r\nEND:VCARD\r\n")
    assert put_card(alice, book + "m1.vcf", text).status_code == 201
    body = ('<?xml version="1.0"?><c:addressbook-multiget xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><c:address-data/></d:prop>'
            '<d:href>/alice/book/m1.vcf</d:href></c:addressbook-multiget>')
    response = report(alice, book, body)
    assert response.status_code == 207
    assert "NOTE:one, two, three" in response.text


def test_an_event_radicale_sanitizes_is_stored_as_radicale_made_it(server):
    """Radicale retypes an Evolution EXDATE (DATE under a DATE-TIME DTSTART) so that
    recurrence works: not the client's bytes, so the PUT answers without ETag
    (RFC 4791 §5.3.4) and the stored text is Radicale's."""
    alice: requests.Session = server.session("alice", "alice-pw")
    calendar = f"{server.url}/alice/cal/"
    make_calendar(alice, calendar)
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            "UID:evo-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261201T100000Z\r\n"
            "RRULE:FREQ=DAILY;COUNT=3\r\nEXDATE;VALUE=DATE:20261202\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    response = alice.put(calendar + "e.ics", data=text.encode(),
                         headers={"Content-Type": "text/calendar; charset=utf-8"})
    assert response.status_code == 201, response.text
    assert "ETag" not in response.headers
    stored = alice.get(calendar + "e.ics").text
    assert "EXDATE:20261202T100000Z\r\n" in stored


def test_a_non_utf8_body_is_stored_decoded_as_radicale_decodes_it(server):
    """No charset and not UTF-8: Radicale reads ISO-8859-1; that text is stored as UTF-8."""
    alice: requests.Session = server.session("alice", "alice-pw")
    calendar = f"{server.url}/alice/cal/"
    make_calendar(alice, calendar)
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            "UID:latin-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261201T100000Z\r\n"
            "SUMMARY:Caf\u00e9, M\u00fcnchen\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    response = alice.put(calendar + "e.ics", data=text.encode("iso8859-1"),
                         headers={"Content-Type": "text/calendar"})
    assert response.status_code == 201, response.text
    assert alice.get(calendar + "e.ics").text == text


def test_bare_lf_line_endings_are_stored_as_crlf(server):
    alice: requests.Session = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/book/"
    make_addressbook(alice, book)
    text = "BEGIN:VCARD\nVERSION:3.0\nUID:lf\nFN:Line, Feed\nEND:VCARD\n"
    assert put_card(alice, book + "lf.vcf", text).status_code == 201
    assert alice.get(book + "lf.vcf").text == text.replace("\n", "\r\n")


def _without_interaction_lines(text: str) -> str:
    """The text minus each X-CMS-INTERACTION content line (with its folded continuations)."""
    kept: list[str] = []
    dropping = False
    for line in text.split("\r\n"):
        if line[:1] in (" ", "\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.upper().startswith("X-CMS-INTERACTION")
        if not dropping:
            kept.append(line)
    return "\r\n".join(kept)


def test_interaction_merge_on_a_card_with_unescaped_commas_changes_only_interaction_lines(
        server):
    alice: requests.Session = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/book/"
    make_addressbook(alice, book)
    # the NOTE timeline block (issue 14; tests/contacts/test_timeline_note*.py) is off here:
    # this test is about the interaction lines alone
    off = ('<d:propertyupdate xmlns:d="DAV:" xmlns:x="http://cms-dav.org/ns/"><d:set><d:prop>'
           "<x:timeline-note>off</x:timeline-note></d:prop></d:set></d:propertyupdate>")
    assert alice.request("PROPPATCH", book, data=off.encode(),
                         headers={"Content-Type": "application/xml"}).status_code == 207
    interaction = ("X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;;Discussed renewal\\, "
                   "next: quote\r\n")
    first = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:merge-1\r\nFN:Mr. John Richter, James Doe Sr."
             "\r\n" + interaction + "END:VCARD\r\n")
    assert put_card(alice, book + "m.vcf", first).status_code == 201
    # the client drops the interaction, folds at its own width, writes unescaped commas
    second = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:merge-1\r\nFN:Mr. John Richter, James Doe Sr."
              "\r\nNICKNAME:Johnny,JR\r\nNOTE:Interessen: Internet trollen, Kekse backen, und\r\n"
              "  noch mehr, folded by the client\r\nitem1.X-ABADR:Street 4, Building 6\r\n"
              "END:VCARD\r\n")
    response = put_card(alice, book + "m.vcf", second)
    assert response.status_code == 204
    assert "ETag" not in response.headers
    stored = alice.get(book + "m.vcf").text
    assert "X-CMS-INTERACTION:i-1;call;" in stored
    assert _without_interaction_lines(stored) == second
