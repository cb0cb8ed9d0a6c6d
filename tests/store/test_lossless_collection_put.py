"""Issue 12, item 4: a PUT of a whole collection stores each object as the client sent
it (its lines from the body, byte for byte after CRLF normalisation), under the rule
of the single PUT: only where Radicale changed nothing."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import requests

from tests.support.lossless_samples import (BERLIN, CARDS, COMMA_CARD, RDATE_EXDATE_EVENT,
                                            crlf, event_calendar)
from tests.support.server import ServerProcess


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """One server for the module's tests; the collections each test makes go after it."""
    return shared_server


def _put_whole(session: requests.Session, url: str, body: str, content_type: str
               ) -> requests.Response:
    return session.put(url, data=body.encode("utf-8"),
                       headers={"Content-Type": f"{content_type}; charset=utf-8"})


def _alice(server) -> requests.Session:
    return server.session("alice", "alice-pw")


def test_whole_address_book_put_stores_each_card_as_sent(server):
    alice = _alice(server)
    book = f"{server.url}/alice/whole/"
    answer = _put_whole(alice, book, "".join(CARDS.values()), "text/vcard")
    assert answer.status_code == 201, answer.text
    for uid, text in CARDS.items():
        stored = alice.get(f"{book}{uid}.vcf")
        assert stored.status_code == 200
        assert stored.content == crlf(text).encode("utf-8"), uid


def test_whole_address_book_put_with_bare_lf_stores_crlf_lines(server):
    alice = _alice(server)
    book = f"{server.url}/alice/lf/"
    answer = _put_whole(alice, book, COMMA_CARD.replace("\r\n", "\n"), "text/vcard")
    assert answer.status_code == 201, answer.text
    assert alice.get(f"{book}comma.vcf").content == crlf(COMMA_CARD).encode()


def test_whole_collection_card_etag_follows_the_stored_bytes(server):
    alice = _alice(server)
    book = f"{server.url}/alice/etags/"
    assert _put_whole(alice, book, COMMA_CARD, "text/vcard").status_code == 201
    stored = alice.get(f"{book}comma.vcf")
    again = alice.put(f"{book}comma.vcf", data=stored.content,
                      headers={"Content-Type": "text/vcard; charset=utf-8",
                               "If-Match": stored.headers["ETag"]})
    assert again.status_code == 204, again.text
    assert again.headers.get("ETag") == stored.headers["ETag"]


def test_whole_calendar_put_stores_each_object_with_its_timezone_as_sent(server):
    alice = _alice(server)
    calendar = f"{server.url}/alice/whole-cal/"
    other = ["BEGIN:VEVENT", "UID:plain", "DTSTAMP:20260101T000000Z",
             "DTSTART:20260301T100000Z", "LOCATION:aka bild, wien", "END:VEVENT"]
    body = event_calendar([BERLIN, RDATE_EXDATE_EVENT, other],
                          extra=["X-WR-CALNAME:Mine"])
    answer = _put_whole(alice, calendar, body, "text/calendar")
    assert answer.status_code == 201, answer.text
    wrapper = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//lossless//EN",
               "X-WR-CALNAME:Mine"]
    expected_lists = crlf("\r\n".join(wrapper + BERLIN + RDATE_EXDATE_EVENT
                                      + ["END:VCALENDAR"]))
    expected_plain = crlf("\r\n".join(wrapper + other + ["END:VCALENDAR"]))
    assert alice.get(f"{calendar}lists.ics").content == expected_lists.encode()
    assert alice.get(f"{calendar}plain.ics").content == expected_plain.encode()


def test_whole_calendar_put_keeps_an_override_with_its_master(server):
    alice = _alice(server)
    calendar = f"{server.url}/alice/overrides/"
    master = ["BEGIN:VEVENT", "UID:weekly", "DTSTAMP:20260101T000000Z",
              "DTSTART:20260302T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4", "SUMMARY:a, b",
              "END:VEVENT"]
    moved = ["BEGIN:VEVENT", "UID:weekly", "DTSTAMP:20260101T000000Z",
             "RECURRENCE-ID:20260309T100000Z", "DTSTART:20260309T120000Z",
             "SUMMARY:moved, later", "END:VEVENT"]
    answer = _put_whole(alice, calendar, event_calendar([master, moved]), "text/calendar")
    assert answer.status_code == 201, answer.text
    assert alice.get(f"{calendar}weekly.ics").text == event_calendar([master, moved])


def test_whole_collection_card_radicale_changed_is_stored_as_radicale_made_it(server):
    alice = _alice(server)
    book = f"{server.url}/alice/changed/"
    no_uid = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid\r\nEND:VCARD\r\n"
    answer = _put_whole(alice, book, COMMA_CARD + no_uid, "text/vcard")
    assert answer.status_code == 201, answer.text
    listing = ET.fromstring(alice.request("PROPFIND", book, headers={"Depth": "1"}).content)
    hrefs = [h.text for h in listing.iter("{DAV:}href") if (h.text or "").endswith(".vcf")]
    texts = [alice.get(server.url + str(h)).text for h in hrefs]
    added = [t for t in texts if "No Uid" in t]
    assert len(added) == 1 and "UID:" in added[0]  # Radicale added the UID: its text
    assert alice.get(f"{book}comma.vcf").text == crlf(COMMA_CARD)


def test_whole_collection_put_in_latin1_is_decoded_as_a_single_put_is(server):
    alice = _alice(server)
    book = f"{server.url}/alice/latin1/"
    text = COMMA_CARD.replace("Kekse backen", "Käse backen")
    answer = alice.put(book, data=text.encode("iso-8859-1"),
                       headers={"Content-Type": "text/vcard; charset=iso-8859-1"})
    assert answer.status_code == 201, answer.text
    assert alice.get(f"{book}comma.vcf").content == text.encode("utf-8")
