"""Schedule-Tag (RFC 6638 §3.2.10, §3.3, §8.3) over HTTP: alice organises, bob answers.
One server for the module; each test uses its own event UID."""

from __future__ import annotations

from typing import Iterator
from xml.etree import ElementTree as ET

import pytest
import requests

from tests.scheduling.support import scheduling_server
from tests.support.server import ServerProcess

PASSWORDS = {"alice": "alice-pw-1234", "bob": "bob-pw-12345"}
EMAILS = {"alice": "alice@example.org", "bob": "bob@example.org"}
DAV, CALDAV = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}"
ICS = {"Content-Type": "text/calendar; charset=utf-8"}


def meeting(uid: str, *, start: str = "20261210T100000Z", bob: str = "NEEDS-ACTION",
            organizer: bool = True, stamp: str = "20261201T000000Z") -> str:
    people = (f"ORGANIZER;CN=alice:mailto:{EMAILS['alice']}\r\n"
              f"ATTENDEE;CN=alice;PARTSTAT=ACCEPTED:mailto:{EMAILS['alice']}\r\n"
              f"ATTENDEE;CN=bob;PARTSTAT={bob};RSVP=TRUE:mailto:{EMAILS['bob']}\r\n"
              if organizer else "")
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART:{start}\r\n"
            "DURATION:PT1H\r\nSUMMARY:Customer meeting\r\n"
            f"{people}END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with scheduling_server(tmp_path_factory.mktemp("schedule_tag"), PASSWORDS, EMAILS) as server:
        yield server


def session(server: ServerProcess, user: str) -> requests.Session:
    return server.session(user, PASSWORDS[user])


def url(server: ServerProcess, user: str, uid: str) -> str:
    return f"{server.url}/{user}/calendar/{uid}.ics"


def put(server: ServerProcess, user: str, uid: str, text: str,
        **headers: str) -> requests.Response:
    return session(server, user).put(url(server, user, uid), data=text.encode(),
                                     headers={**ICS, **headers})


def tag_of(server: ServerProcess, user: str, uid: str) -> str | None:
    answer = session(server, user).get(url(server, user, uid))
    assert answer.status_code == 200
    return answer.headers.get("Schedule-Tag")


def test_get_of_an_organizers_event_answers_a_quoted_schedule_tag(
        server: ServerProcess) -> None:
    put(server, "alice", "get-tag", meeting("get-tag")).raise_for_status()
    tag = tag_of(server, "alice", "get-tag")
    assert tag is not None and tag.startswith('"') and tag.endswith('"')


def test_head_answers_the_same_schedule_tag_as_get(server: ServerProcess) -> None:
    put(server, "alice", "head-tag", meeting("head-tag")).raise_for_status()
    head = session(server, "alice").head(url(server, "alice", "head-tag"))
    assert head.headers.get("Schedule-Tag") == tag_of(server, "alice", "head-tag")


def test_event_without_organizer_has_no_schedule_tag(server: ServerProcess) -> None:
    put(server, "alice", "plain", meeting("plain", organizer=False)).raise_for_status()
    assert tag_of(server, "alice", "plain") is None


def test_put_of_a_scheduling_object_answers_its_schedule_tag(server: ServerProcess) -> None:
    created = put(server, "alice", "put-tag", meeting("put-tag"))
    assert created.status_code == 201
    assert created.headers.get("Schedule-Tag") == tag_of(server, "alice", "put-tag")


def test_attendee_partstat_change_keeps_the_attendees_tag(server: ServerProcess) -> None:
    put(server, "alice", "bob-answers", meeting("bob-answers")).raise_for_status()
    before = tag_of(server, "bob", "bob-answers")
    assert before is not None
    text = session(server, "bob").get(url(server, "bob", "bob-answers")).text
    answered = text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED").replace(
        "DTSTAMP:20261201T000000Z", "DTSTAMP:20261202T090000Z")
    assert answered != text
    saved = put(server, "bob", "bob-answers", answered)
    assert saved.status_code == 204
    assert saved.headers.get("Schedule-Tag") == before


def test_reply_merged_into_the_organizers_copy_keeps_its_tag(server: ServerProcess) -> None:
    put(server, "alice", "merged", meeting("merged")).raise_for_status()
    before = tag_of(server, "alice", "merged")
    text = session(server, "bob").get(url(server, "bob", "merged")).text
    put(server, "bob", "merged",
        text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=DECLINED")).raise_for_status()
    organizer_copy = session(server, "alice").get(url(server, "alice", "merged"))
    assert "PARTSTAT=DECLINED" in organizer_copy.text.replace("\r\n ", "")
    assert organizer_copy.headers.get("Schedule-Tag") == before


def test_organizer_moving_the_meeting_changes_the_tag(server: ServerProcess) -> None:
    put(server, "alice", "moved", meeting("moved")).raise_for_status()
    before = tag_of(server, "alice", "moved")
    moved = put(server, "alice", "moved", meeting("moved", start="20261211T100000Z"))
    assert moved.status_code == 204
    assert moved.headers.get("Schedule-Tag") not in (None, before)


def test_put_with_mismatched_schedule_tag_is_412_and_stores_nothing(
        server: ServerProcess) -> None:
    put(server, "alice", "stale", meeting("stale")).raise_for_status()
    refused = put(server, "alice", "stale", meeting("stale", start="20261212T100000Z"),
                  **{"If-Schedule-Tag-Match": '"not-the-tag"'})
    assert refused.status_code == 412
    assert "If-Schedule-Tag-Match" in refused.text
    stored = session(server, "alice").get(url(server, "alice", "stale")).text
    assert "20261210T100000Z" in stored and "20261212T100000Z" not in stored


def test_put_with_matching_schedule_tag_is_stored(server: ServerProcess) -> None:
    put(server, "alice", "fresh", meeting("fresh")).raise_for_status()
    tag = tag_of(server, "alice", "fresh")
    assert tag is not None
    saved = put(server, "alice", "fresh", meeting("fresh", start="20261213T100000Z"),
                **{"If-Schedule-Tag-Match": tag})
    assert saved.status_code == 204
    assert "20261213T100000Z" in session(server, "alice").get(
        url(server, "alice", "fresh")).text


def test_attendee_put_with_the_tag_from_before_a_merged_reply_succeeds(
        server: ServerProcess) -> None:
    """§3.2.10's point: the organizer's copy changed (a reply was merged) but its tag
    did not, so the organizer's client need not re-fetch before its next change."""
    put(server, "alice", "after-reply", meeting("after-reply")).raise_for_status()
    tag = tag_of(server, "alice", "after-reply")
    assert tag is not None
    text = session(server, "bob").get(url(server, "bob", "after-reply")).text
    put(server, "bob", "after-reply",
        text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")).raise_for_status()
    saved = put(server, "alice", "after-reply",
                meeting("after-reply", start="20261214T100000Z"),
                **{"If-Schedule-Tag-Match": tag})
    assert saved.status_code == 204


def test_delete_with_mismatched_schedule_tag_is_412_and_keeps_the_event(
        server: ServerProcess) -> None:
    put(server, "alice", "keep", meeting("keep")).raise_for_status()
    refused = session(server, "alice").delete(url(server, "alice", "keep"),
                                              headers={"If-Schedule-Tag-Match": '"old"'})
    assert refused.status_code == 412
    assert session(server, "alice").get(url(server, "alice", "keep")).status_code == 200


def test_delete_with_matching_schedule_tag_deletes(server: ServerProcess) -> None:
    put(server, "alice", "gone", meeting("gone")).raise_for_status()
    tag = tag_of(server, "alice", "gone")
    assert tag is not None
    deleted = session(server, "alice").delete(url(server, "alice", "gone"),
                                              headers={"If-Schedule-Tag-Match": tag})
    assert deleted.status_code in (200, 204)
    assert session(server, "alice").get(url(server, "alice", "gone")).status_code == 404


def test_mismatched_schedule_tag_from_a_stranger_is_401_not_412(
        server: ServerProcess) -> None:
    answer = requests.put(url(server, "alice", "keep-out"), data=meeting("x").encode(),
                          headers={**ICS, "If-Schedule-Tag-Match": '"x"'})
    assert answer.status_code == 401


def propstats(body: bytes, href_end: str) -> dict[str, str | None]:
    """``{status: schedule-tag text}`` for each propstat naming schedule-tag in the
    response whose href ends with ``href_end``."""
    root = ET.fromstring(body)
    found: dict[str, str | None] = {}
    for response in root.iter(DAV + "response"):
        if not (response.findtext(DAV + "href") or "").endswith(href_end):
            continue
        for propstat in response.iter(DAV + "propstat"):
            tag = propstat.find(f"{DAV}prop/{CALDAV}schedule-tag")
            if tag is not None:
                found[propstat.findtext(DAV + "status") or ""] = tag.text
    return found


def test_propfind_of_a_calendar_gives_schedule_tags_in_the_200_propstat(
        server: ServerProcess) -> None:
    put(server, "alice", "listed", meeting("listed")).raise_for_status()
    put(server, "alice", "listed-plain",
        meeting("listed-plain", organizer=False)).raise_for_status()
    answer = session(server, "alice").request(
        "PROPFIND", f"{server.url}/alice/calendar/", headers={"Depth": "1"},
        data=f'<propfind xmlns="DAV:" xmlns:C="{CALDAV[1:-1]}"><prop><getetag/>'
             '<C:schedule-tag/></prop></propfind>')
    assert answer.status_code == 207
    assert propstats(answer.content, "/listed.ics") == {
        "HTTP/1.1 200 OK": tag_of(server, "alice", "listed")}
    assert list(propstats(answer.content, "/listed-plain.ics")) == [
        "HTTP/1.1 404 Not Found"]


def test_calendar_multiget_gives_the_schedule_tag(server: ServerProcess) -> None:
    put(server, "alice", "multiget", meeting("multiget")).raise_for_status()
    answer = session(server, "alice").request(
        "REPORT", f"{server.url}/alice/calendar/", headers={"Depth": "1"},
        data=f'<C:calendar-multiget xmlns="DAV:" xmlns:C="{CALDAV[1:-1]}"><prop>'
             '<getetag/><C:schedule-tag/></prop>'
             '<href>/alice/calendar/multiget.ics</href></C:calendar-multiget>')
    assert answer.status_code == 207
    assert propstats(answer.content, "/multiget.ics") == {
        "HTTP/1.1 200 OK": tag_of(server, "alice", "multiget")}
