"""Discovery as DAVx5, iOS and Thunderbird do it, as raw HTTP, seen by bob.

alice shares her "Team calendar" read-only with the sales group (alice, bob) and
the sales group owns an address book. bob's client starts at ``/`` and must find
both in his home, readable, truthfully read-only where they are, with their items
listed, also after alice changes something (an incremental sync token).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import requests

from tests.support import dav
from tests.support.server import ServerProcess, users_server

PASSWORDS = {"alice": "alice-disc-pw", "bob": "bob-disc-pw", "carol": "carol-disc-pw"}
RIGHTS = '[groups.sales]\nmembers = ["alice", "bob"]\n'
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
CALENDAR_MOUNT = "/bob/alice-team-cal/"
BOOK_MOUNT = "/bob/sales-contacts/"

PRINCIPAL = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop>'
             '<d:current-user-principal/></d:prop></d:propfind>')
HOMES = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:" '
         'xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cr="urn:ietf:params:xml:ns:carddav">'
         '<d:prop><c:calendar-home-set/><cr:addressbook-home-set/><d:displayname/>'
         '</d:prop></d:propfind>')
HOME_LISTING = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:" '
                'xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:resourcetype/>'
                '<d:displayname/><d:current-user-privilege-set/><cs:getctag/><d:sync-token/>'
                '<d:supported-report-set/></d:prop></d:propfind>')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    server = users_server(tmp_path_factory.mktemp("discovery"), PASSWORDS, rights=RIGHTS)
    try:
        alice = server.session("alice", PASSWORDS["alice"])
        dav.make_calendar(alice, f"{server.url}/alice/team-cal/", "Team calendar")
        alice.put(f"{server.url}/alice/team-cal/kickoff.ics", headers=ICS,
                  data=dav.vevent("kickoff", "Kick-off")).raise_for_status()
        server.cli("group", "collection", "add", "sales", "contacts", "--type", "addressbook",
                   check=True)
        dav.put_card(alice, f"{server.url}/groups/sales/contacts/acme.vcf",
                     dav.vcard("acme", "Acme Buyer")).raise_for_status()
        server.cli("share", "grant", "/alice/team-cal/", "--to", "group:sales",
                   "--access", "read", check=True)
        yield server
    finally:
        server.stop()


def session(server: ServerProcess, user: str) -> requests.Session:
    return server.session(user, PASSWORDS[user])


def responses(response: requests.Response) -> dict[str, ET.Element]:
    """href -> the <response> element of a 207 multistatus."""
    assert response.status_code == 207, response.text
    root = ET.fromstring(response.content)
    return {el.findtext("d:href", namespaces=dav.NS) or "": el
            for el in root.findall("d:response", dav.NS)}


def found(element: ET.Element, prop: str) -> ET.Element | None:
    """The property from the 200 propstat (None when missing or not found)."""
    for propstat in element.findall("d:propstat", dav.NS):
        if "200" in (propstat.findtext("d:status", namespaces=dav.NS) or ""):
            value = propstat.find(f"d:prop/{prop}", dav.NS)
            if value is not None:
                return value
    return None


def privileges(element: ET.Element) -> set[str]:
    privilege_set = found(element, "d:current-user-privilege-set")
    if privilege_set is None:
        return set()
    return {child.tag.split("}")[1] for privilege in privilege_set.findall("d:privilege", dav.NS)
            for child in privilege}


def bob_home(server: ServerProcess) -> dict[str, ET.Element]:
    return responses(dav.propfind(session(server, "bob"), f"{server.url}/bob/",
                                  HOME_LISTING, "1"))


def test_root_names_the_current_user_principal(server):
    listing = responses(dav.propfind(session(server, "bob"), f"{server.url}/",
                                     PRINCIPAL, "0"))
    principal = found(listing["/"], "d:current-user-principal")
    assert principal is not None and principal.findtext("d:href", namespaces=dav.NS) == "/bob/"


def test_principal_names_bobs_home_for_calendars_and_address_books(server):
    listing = responses(dav.propfind(session(server, "bob"), f"{server.url}/bob/", HOMES, "0"))
    for prop in ("c:calendar-home-set", "cr:addressbook-home-set"):
        home = found(listing["/bob/"], prop)
        assert home is not None and home.findtext("d:href", namespaces=dav.NS) == "/bob/"


def test_home_lists_the_shared_calendar_and_the_group_address_book(server):
    """Regression: Radicale 3.9 asks the group plugin only for ``htgroup``, so a share
    to ``group:sales`` never reached bob's home until the share database added the
    rights-file groups itself."""
    home = bob_home(server)
    assert CALENDAR_MOUNT in home and BOOK_MOUNT in home
    calendar_type = found(home[CALENDAR_MOUNT], "d:resourcetype")
    book_type = found(home[BOOK_MOUNT], "d:resourcetype")
    assert calendar_type.find("c:calendar", dav.NS) is not None
    assert book_type.find("cr:addressbook", dav.NS) is not None


def test_mount_display_names_say_whose_collection_it_is(server):
    home = bob_home(server)
    assert found(home[CALENDAR_MOUNT], "d:displayname").text == "Team calendar (alice)"
    assert found(home[BOOK_MOUNT], "d:displayname").text == "contacts (sales)"


def test_read_only_share_shows_read_but_no_write(server):
    granted = privileges(bob_home(server)[CALENDAR_MOUNT])
    assert "read" in granted
    assert not granted & {"write", "write-content", "bind", "unbind", "all"}


def test_group_address_book_is_readable_and_writable(server):
    granted = privileges(bob_home(server)[BOOK_MOUNT])
    assert {"read", "write-content"} <= granted


def test_no_collection_in_the_home_has_write_without_read(server):
    for href, element in bob_home(server).items():
        granted = privileges(element)
        assert granted, f"{href} has an empty privilege set"
        assert "read" in granted, f"{href}: {sorted(granted)}"


def test_mounts_have_ctag_sync_token_and_sync_collection_report(server):
    home = bob_home(server)
    for mount in (CALENDAR_MOUNT, BOOK_MOUNT):
        assert (found(home[mount], "cs:getctag").text or "") != ""
        assert (found(home[mount], "d:sync-token").text or "") != ""
        reports = found(home[mount], "d:supported-report-set")
        assert reports.find(".//d:sync-collection", dav.NS) is not None, mount


@pytest.mark.parametrize("mount, item", [(CALENDAR_MOUNT, "kickoff.ics"),
                                         (BOOK_MOUNT, "acme.vcf")])
def test_sync_collection_on_a_mount_lists_items_under_the_mount(server, mount, item):
    response, token, statuses = dav.sync_collection(session(server, "bob"), server.url + mount)
    assert response.status_code == 207 and token
    assert statuses.get(mount + item) == 200
    assert all(href.startswith(mount) for href in statuses)


def test_incremental_sync_on_a_mount_reports_the_owners_change(server):
    bob, alice = session(server, "bob"), session(server, "alice")
    url = server.url + CALENDAR_MOUNT
    _, token, _ = dav.sync_collection(bob, url)
    alice.put(f"{server.url}/alice/team-cal/review.ics", headers=ICS,
              data=dav.vevent("review", "Review")).raise_for_status()
    response, new_token, statuses = dav.sync_collection(bob, url, token)
    assert response.status_code == 207
    assert statuses == {CALENDAR_MOUNT + "review.ics": 200}
    assert new_token != token
    event = bob.get(server.url + CALENDAR_MOUNT + "review.ics")
    assert event.status_code == 200 and "SUMMARY:Review" in event.text


def test_incremental_sync_on_a_mount_reports_the_owners_delete(server):
    bob, alice = session(server, "bob"), session(server, "alice")
    url = server.url + CALENDAR_MOUNT
    alice.put(f"{server.url}/alice/team-cal/gone.ics", headers=ICS,
              data=dav.vevent("gone", "Gone soon")).raise_for_status()
    _, token, _ = dav.sync_collection(bob, url)
    assert alice.delete(f"{server.url}/alice/team-cal/gone.ics").status_code in (200, 204)
    _, _, statuses = dav.sync_collection(bob, url, token)
    assert statuses == {CALENDAR_MOUNT + "gone.ics": 404}


def test_a_non_member_finds_none_of_it(server):
    listing = responses(dav.propfind(session(server, "carol"), f"{server.url}/carol/",
                                     HOME_LISTING, "1"))
    assert all(href.startswith("/carol/") for href in listing)
    assert not any(href.endswith(("alice-team-cal/", "sales-contacts/")) for href in listing)
