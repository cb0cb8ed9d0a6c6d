"""CalDAV scheduling between users of one server (RFC 6638), driven by the `caldav`
library over HTTP: alice invites bob and carol, they answer, she moves and cancels.
The server has no config file: scheduling is on by default."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator
from xml.etree import ElementTree as ET

import caldav
import pytest
import requests

from tests.scheduling.support import scheduling_server
from tests.support.server import ServerProcess

DAV, CALDAV = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}"
PASSWORDS = {"alice": "alice-pw-1234", "bob": "bob-pw-12345", "carol": "carol-pw-1234"}
EMAILS = {"alice": "alice@example.org", "bob": "Bob@Example.org", "carol": "carol@example.org"}


def meeting(uid: str, attendees: tuple[str, ...] = ("bob", "carol"), *,
            start: str = "20261210T100000Z", end: str = "20261210T110000Z",
            summary: str = "Customer meeting", extra: str = "") -> str:
    lines = "".join(f"ATTENDEE;CN={name};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
                    f"mailto:{EMAILS.get(name, name)}\r\n" for name in attendees)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
            f"SUMMARY:{summary}\r\nORGANIZER;CN=alice:mailto:{EMAILS['alice']}\r\n"
            f"ATTENDEE;CN=alice;PARTSTAT=ACCEPTED:mailto:{EMAILS['alice']}\r\n"
            f"{lines}{extra}END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with scheduling_server(tmp_path_factory.mktemp("scheduling"), PASSWORDS, EMAILS) as server:
        yield server


def principal(server: ServerProcess, user: str) -> caldav.Principal:
    client = caldav.DAVClient(url=server.url + "/", username=user, password=PASSWORDS[user])
    return client.principal()


def calendar(server: ServerProcess, user: str) -> caldav.Calendar:
    return caldav.Calendar(client=principal(server, user).client,
                           url=f"{server.url}/{user}/calendar/")


def attendee_line(text: str, user: str) -> str:
    unfolded = text.replace("\r\n ", "").replace("\n ", "")
    return next(line for line in unfolded.splitlines()
                if line.startswith("ATTENDEE") and EMAILS[user].lower() in line.lower())


def invite(server: ServerProcess, uid: str, **kwargs: str) -> caldav.Event:
    return calendar(server, "alice").save_event(meeting(uid, **kwargs))


def answer(server: ServerProcess, user: str, uid: str, partstat: str) -> None:
    event = calendar(server, user).event_by_uid(uid)
    line = attendee_line(event.data, user)
    event.data = event.data.replace("\r\n ", "").replace(
        line, line.replace("PARTSTAT=NEEDS-ACTION", f"PARTSTAT={partstat}"))
    event.save()


def test_principal_lists_mailto_address_and_principal_url(server: ServerProcess) -> None:
    addresses = principal(server, "alice").calendar_user_address_set()
    assert "mailto:alice@example.org" in addresses
    assert any(str(address).endswith("/alice/") for address in addresses)


def test_principal_names_its_inbox_and_outbox(server: ServerProcess) -> None:
    alice = principal(server, "alice")
    assert str(alice.schedule_inbox().url).endswith("/alice/inbox/")
    assert str(alice.schedule_outbox().url).endswith("/alice/outbox/")


def test_dav_header_announces_automatic_scheduling(server: ServerProcess) -> None:
    response = requests.options(server.url + "/alice/", auth=("alice", PASSWORDS["alice"]),
                                timeout=60)
    assert "calendar-auto-schedule" in response.headers["DAV"]


def test_invitees_find_the_meeting_in_their_calendar_needing_action(
        server: ServerProcess) -> None:
    invite(server, "invite-1")
    for user in ("bob", "carol"):
        copy = calendar(server, user).event_by_uid("invite-1").data
        assert "PARTSTAT=NEEDS-ACTION" in attendee_line(copy, user)
        assert "Customer meeting" in copy


def test_invitation_arrives_in_the_inbox_as_a_request(server: ServerProcess) -> None:
    invite(server, "invite-2")
    items = principal(server, "bob").schedule_inbox().get_items()
    messages = [item.data for item in items if "invite-2" in item.data]
    assert len(messages) == 1 and "METHOD:REQUEST" in messages[0]


def test_an_acceptance_shows_in_the_organizers_copy(server: ServerProcess) -> None:
    invite(server, "accept-1")
    answer(server, "bob", "accept-1", "ACCEPTED")
    organizers = calendar(server, "alice").event_by_uid("accept-1").data
    assert "PARTSTAT=ACCEPTED" in attendee_line(organizers, "bob")
    assert "PARTSTAT=NEEDS-ACTION" in attendee_line(organizers, "carol")


def test_an_organizer_edit_keeps_the_answers(server: ServerProcess) -> None:
    invite(server, "edit-1")
    answer(server, "bob", "edit-1", "ACCEPTED")
    invite(server, "edit-1", summary="Customer meeting, room 2")
    copy = calendar(server, "bob").event_by_uid("edit-1").data
    assert "room 2" in copy and "PARTSTAT=ACCEPTED" in attendee_line(copy, "bob")


def test_moving_the_meeting_asks_the_attendees_again(server: ServerProcess) -> None:
    invite(server, "move-1")
    answer(server, "bob", "move-1", "ACCEPTED")
    invite(server, "move-1", start="20261211T100000Z", end="20261211T110000Z")
    copy = calendar(server, "bob").event_by_uid("move-1").data
    assert "20261211T100000Z" in copy
    assert "PARTSTAT=NEEDS-ACTION" in attendee_line(copy, "bob")


def test_deleting_the_meeting_cancels_every_copy(server: ServerProcess) -> None:
    invite(server, "cancel-1").delete()
    for user in ("bob", "carol"):
        assert "STATUS:CANCELLED" in calendar(server, user).event_by_uid("cancel-1").data
    inbox = principal(server, "carol").schedule_inbox().get_items()
    assert any("cancel-1" in item.data and "METHOD:CANCEL" in item.data for item in inbox)


def test_a_cancelled_status_cancels_every_copy(server: ServerProcess) -> None:
    invite(server, "cancel-2")
    invite(server, "cancel-2", extra="STATUS:CANCELLED\r\n")
    for user in ("bob", "carol"):
        assert "STATUS:CANCELLED" in calendar(server, user).event_by_uid("cancel-2").data


def test_removed_attendee_gets_a_cancellation(server: ServerProcess) -> None:
    invite(server, "remove-1")
    invite(server, "remove-1", attendees=("bob",))
    assert "STATUS:CANCELLED" in calendar(server, "carol").event_by_uid("remove-1").data
    assert "STATUS:CANCELLED" not in calendar(server, "bob").event_by_uid("remove-1").data


def test_free_busy_query_shows_the_attendees_busy_slot(server: ServerProcess) -> None:
    invite(server, "busy-1", start="20270105T090000Z", end="20270105T100000Z")
    answers = principal(server, "alice").freebusy_request(
        datetime(2027, 1, 5, tzinfo=timezone.utc), datetime(2027, 1, 6, tzinfo=timezone.utc),
        ["mailto:bob@example.org"])
    reply = answers["mailto:bob@example.org"]
    assert "20270105T090000Z/20270105T100000Z" in str(reply.data)


def test_free_busy_of_an_unknown_address_is_an_invalid_user(server: ServerProcess) -> None:
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nMETHOD:REQUEST\r\n"
            "BEGIN:VFREEBUSY\r\nUID:fb-x\r\nDTSTAMP:20261201T000000Z\r\n"
            "DTSTART:20270105T000000Z\r\nDTEND:20270106T000000Z\r\n"
            "ORGANIZER:mailto:alice@example.org\r\nATTENDEE:mailto:nobody@example.org\r\n"
            "END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    response = requests.post(server.url + "/alice/outbox/", data=body.encode(),
                             headers={"Content-Type": "text/calendar"},
                             auth=("alice", PASSWORDS["alice"]), timeout=60)
    assert response.status_code == 200 and "3.7" in response.text


def test_posting_to_another_users_outbox_is_forbidden(server: ServerProcess) -> None:
    response = requests.post(server.url + "/bob/outbox/", data=b"BEGIN:VCALENDAR",
                             headers={"Content-Type": "text/calendar"},
                             auth=("alice", PASSWORDS["alice"]), timeout=60)
    assert response.status_code == 403


def test_an_event_inviting_too_many_is_refused_and_not_stored(server: ServerProcess) -> None:
    crowd = tuple(f"guest{number}@example.org" for number in range(101))
    response = requests.put(server.url + "/alice/calendar/crowd.ics",
                            data=meeting("crowd", attendees=crowd).encode(),
                            headers={"Content-Type": "text/calendar"},
                            auth=("alice", PASSWORDS["alice"]), timeout=60)
    assert response.status_code == 403 and "attendees" in response.text
    assert requests.get(server.url + "/alice/calendar/crowd.ics",
                        auth=("alice", PASSWORDS["alice"]), timeout=60).status_code == 404


def test_a_malformed_free_busy_request_is_a_400_naming_the_problem(
        server: ServerProcess) -> None:
    response = requests.post(server.url + "/alice/outbox/", data=b"BEGIN:VCALENDAR\r\nnonsense",
                             headers={"Content-Type": "text/calendar"},
                             auth=("alice", PASSWORDS["alice"]), timeout=60)
    assert response.status_code == 400 and "VFREEBUSY" in response.text


def test_an_answer_reaches_the_other_attendees_copies(server: ServerProcess) -> None:
    invite(server, "others-1")
    answer(server, "bob", "others-1", "ACCEPTED")
    copy = calendar(server, "carol").event_by_uid("others-1").data
    assert "PARTSTAT=ACCEPTED" in attendee_line(copy, "bob")
    assert "PARTSTAT=NEEDS-ACTION" in attendee_line(copy, "carol")


def test_the_inbox_and_outbox_are_not_listed_as_calendars(server: ServerProcess) -> None:
    principal(server, "bob").schedule_inbox()  # the mailboxes exist
    listed = [str(each.url) for each in principal(server, "bob").calendars()]
    assert any(url.endswith("/bob/calendar/") for url in listed)
    assert not any(url.endswith(("/inbox/", "/outbox/")) for url in listed)


def test_the_home_listing_types_the_mailboxes_as_rfc_6638_says(
        server: ServerProcess) -> None:
    principal(server, "bob").schedule_inbox()
    response = requests.request(
        "PROPFIND", server.url + "/bob/", headers={"Depth": "1"},
        data=b'<propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>',
        auth=("bob", PASSWORDS["bob"]), timeout=60)
    types = resourcetypes(response.content)
    assert types["/bob/inbox/"] == {DAV + "collection", CALDAV + "schedule-inbox"}
    assert types["/bob/outbox/"] == {DAV + "collection", CALDAV + "schedule-outbox"}
    assert types["/bob/calendar/"] == {DAV + "collection", CALDAV + "calendar"}


def test_the_inbox_names_the_default_calendar(server: ServerProcess) -> None:
    principal(server, "bob").schedule_inbox()
    response = requests.request(
        "PROPFIND", server.url + "/bob/inbox/", headers={"Depth": "0"},
        data=b'<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop>'
             b'<C:schedule-default-calendar-URL/></prop></propfind>',
        auth=("bob", PASSWORDS["bob"]), timeout=60)
    root = ET.fromstring(response.content)
    value = root.find(f".//{CALDAV}schedule-default-calendar-URL/{DAV}href")
    assert value is not None and value.text == "/bob/calendar/"


def test_a_put_into_the_outbox_is_refused(server: ServerProcess) -> None:
    principal(server, "bob").schedule_outbox()
    response = requests.put(server.url + "/bob/outbox/x.ics", data=meeting("x").encode(),
                            headers={"Content-Type": "text/calendar"},
                            auth=("bob", PASSWORDS["bob"]), timeout=60)
    assert response.status_code == 403 and "POST" in response.text


def resourcetypes(body: bytes) -> dict[str, set[str]]:
    """href → the tags in its resourcetype, of a multistatus."""
    found = {}
    for response in ET.fromstring(body).findall(DAV + "response"):
        kind = response.find(f".//{DAV}resourcetype")
        found[response.findtext(DAV + "href") or ""] = \
            {child.tag for child in kind} if kind is not None else set()
    return found
