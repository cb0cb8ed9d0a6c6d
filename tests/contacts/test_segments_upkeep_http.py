"""Segment upkeep inside each write, over real HTTP (issue 14 item 3): an edit through
CardDAV moves the segment's sync token by exactly that card (RFC 6578 §3.5: 404 when
it left, 200 when it entered or changed), the other members keep their ETags, and a
member without read on a source book never gets its cards. One server for the module:
each test writes cards of its own UIDs and looks only at the delta since its token."""

from __future__ import annotations

from typing import Iterator
from xml.etree import ElementTree

import pytest
import requests

from tests.contacts.test_segments_http import FIELDS, RIGHTS, card, put
from tests.support import dav
from tests.support.server import ServerProcess

SEGMENT = "whales"
ALICE_BOOK = "/alice/contacts/"
GROUP_BOOK = "/groups/sales/leads/"


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """alice's book (bob may not read it) and the sales group's book, under a segment
    for group:sales, published in both homes."""
    data = tmp_path_factory.mktemp("segments-upkeep")
    (data / "rights.toml").write_text(RIGHTS)
    (data / "fields.toml").write_text(FIELDS)
    server = ServerProcess(data_dir=data)
    for name in ("alice", "bob"):
        server.add_user(name, f"{name}-pw")
    server.start()
    try:
        server.cli("group", "collection", "add", "sales", "leads", "--type",
                   "addressbook", check=True)
        for name in ("alice", "bob"):
            session = server.session(name, f"{name}-pw")
            assert session.request("PROPFIND", f"{server.url}/{name}/",
                                   headers={"Depth": "1"}).status_code == 207
        alice = server.session("alice", "alice-pw")
        put(alice, f"{server.url}{ALICE_BOOK}base-a.vcf", card("base-a", 60000))
        put(alice, f"{server.url}{GROUP_BOOK}base-g.vcf", card("base-g", 70000))
        server.cli("segment", "add", SEGMENT, "--owner", "group:sales", "--from",
                   ALICE_BOOK, "--from", GROUP_BOOK, "--where", "spend>=50000", check=True)
        yield server
    finally:
        server.stop()


def session(server: ServerProcess, user: str) -> requests.Session:
    return server.session(user, f"{user}-pw")


def url_of(server: ServerProcess, user: str) -> str:
    return f"{server.url}/{user}/{SEGMENT}/"


def token(server: ServerProcess, user: str) -> str:
    _, new_token, _ = dav.sync_collection(session(server, user), url_of(server, user))
    assert new_token
    return new_token


def delta(server: ServerProcess, user: str, since: str) -> dict[str, int]:
    response, _, statuses = dav.sync_collection(session(server, user),
                                                url_of(server, user), since)
    assert response.status_code == 207, response.text
    return statuses


def etags(server: ServerProcess, user: str) -> dict[str, str]:
    response = dav.propfind(session(server, user), url_of(server, user),
                            '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop>'
                            '<d:getetag/></d:prop></d:propfind>')
    assert response.status_code == 207, response.text
    root = ElementTree.fromstring(response.content)
    return {el.findtext("d:href", namespaces=dav.NS) or "":
            el.findtext("d:propstat/d:prop/d:getetag", namespaces=dav.NS) or ""
            for el in root.findall("d:response", dav.NS)
            if (el.findtext("d:href", namespaces=dav.NS) or "").endswith(".vcf")}


def test_a_card_edited_to_stop_matching_is_the_one_404_of_the_next_sync(sales):
    alice = session(sales, "alice")
    put(alice, f"{sales.url}{ALICE_BOOK}leaves.vcf", card("leaves", 80000))
    since = token(sales, "alice")
    put(alice, f"{sales.url}{ALICE_BOOK}leaves.vcf", card("leaves", 80))
    assert delta(sales, "alice", since) == {f"/alice/{SEGMENT}/leaves.vcf": 404}


def test_a_new_matching_card_is_the_one_200_of_the_next_sync(sales):
    since = token(sales, "alice")
    put(session(sales, "alice"), f"{sales.url}{ALICE_BOOK}enters.vcf", card("enters", 51000))
    assert delta(sales, "alice", since) == {f"/alice/{SEGMENT}/enters.vcf": 200}


def test_a_changed_matching_card_is_a_200_and_its_copy_has_the_new_text(sales):
    alice = session(sales, "alice")
    put(alice, f"{sales.url}{GROUP_BOOK}changes.vcf", card("changes", 90000))
    since = token(sales, "alice")
    put(alice, f"{sales.url}{GROUP_BOOK}changes.vcf", card("changes", 90000, level="B"))
    assert delta(sales, "alice", since) == {f"/alice/{SEGMENT}/changes.vcf": 200}
    assert "X-CMS-FIELD:level;B" in alice.get(url_of(sales, "alice") + "changes.vcf").text


def test_an_edit_leaves_the_other_members_etags_as_they_were(sales):
    alice = session(sales, "alice")
    put(alice, f"{sales.url}{ALICE_BOOK}edited.vcf", card("edited", 65000))
    before = etags(sales, "alice")
    put(alice, f"{sales.url}{ALICE_BOOK}edited.vcf", card("edited", 66000))
    after = etags(sales, "alice")
    edited = f"/alice/{SEGMENT}/edited.vcf"
    assert after[edited] != before[edited]
    assert {h: e for h, e in after.items() if h != edited} == \
        {h: e for h, e in before.items() if h != edited}


def test_a_deleted_matching_card_is_a_404(sales):
    alice = session(sales, "alice")
    put(alice, f"{sales.url}{GROUP_BOOK}gone.vcf", card("gone", 75000))
    since = token(sales, "alice")
    assert alice.delete(f"{sales.url}{GROUP_BOOK}gone.vcf").status_code in (200, 204)
    assert delta(sales, "alice", since) == {f"/alice/{SEGMENT}/gone.vcf": 404}


def test_a_member_without_read_on_a_source_never_gets_its_new_cards(sales):
    since = token(sales, "bob")
    put(session(sales, "alice"), f"{sales.url}{ALICE_BOOK}private.vcf",
        card("private", 99000))
    assert delta(sales, "bob", since) == {}
    assert f"/bob/{SEGMENT}/private.vcf" not in etags(sales, "bob")


def test_a_member_gets_the_cards_of_the_source_he_may_read(sales):
    since = token(sales, "bob")
    put(session(sales, "alice"), f"{sales.url}{GROUP_BOOK}shared.vcf", card("shared", 99000))
    assert delta(sales, "bob", since) == {f"/bob/{SEGMENT}/shared.vcf": 200}
