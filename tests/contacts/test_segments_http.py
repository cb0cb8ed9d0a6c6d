"""Smart address books (issue 14 item 3) over real HTTP: a saved filter published as a
read-only address book in each viewer's home, holding exactly the matching cards of the
source books that viewer may read, with exact sync-collection deltas."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import requests

from tests.support import dav
from tests.support.server import ServerProcess

FIELDS = '[fields.spend]\ntype = "number"\n\n[fields.level]\ntype = "choice"\n' \
         'choices = ["A", "B"]\n'
RIGHTS = '[groups.sales]\nmembers = ["alice", "bob"]\n'
SEGMENT = "big-spenders"
#: (book, uid, spend or None): a1, p1 and g1 match spend>=50000
CARDS = [("/alice/contacts/", "a1", 60000), ("/alice/contacts/", "a2", 9000),
         ("/alice/prospects/", "p1", 80000), ("/alice/prospects/", "p2", None),
         ("/groups/sales/leads/", "g1", 70000)]


def card(uid: str, spend: int | None, level: str = "") -> str:
    extra = f"X-CMS-FIELD:spend;{spend}\r\n" if spend is not None else ""
    extra += f"X-CMS-FIELD:level;{level}\r\n" if level else ""
    return dav.vcard(uid, f"Customer {uid}", extra)


def put(session: requests.Session, url: str, text: str) -> None:
    response = dav.put_card(session, url, text)
    assert response.status_code in (201, 204), response.text


def listed(session: requests.Session, url: str) -> set[str]:
    response = dav.propfind(session, url, '<?xml version="1.0"?><d:propfind xmlns:d="DAV:">'
                            '<d:prop><d:getetag/></d:prop></d:propfind>')
    assert response.status_code == 207, response.text
    return {href.rsplit("/", 1)[1] for href in dav.hrefs(response) if href.endswith(".vcf")}


@pytest.fixture
def sales(tmp_path: Path, make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """alice's two books and the sales group's book, with a segment for group:sales."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "rights.toml").write_text(RIGHTS)
    (data / "fields.toml").write_text(FIELDS)
    server = make_server(data_dir=data, users={"alice": "alice-pw", "bob": "bob-pw"})
    server.cli("group", "collection", "add", "sales", "leads", "--type", "addressbook",
               check=True)
    alice = server.session("alice", "alice-pw")
    assert alice.request("PROPFIND", f"{server.url}/alice/",
                         headers={"Depth": "1"}).status_code == 207
    dav.make_addressbook(alice, f"{server.url}/alice/prospects/", "Prospects")
    for book, uid, spend in CARDS:
        put(alice, f"{server.url}{book}{uid}.vcf", card(uid, spend))
    server.cli("segment", "add", SEGMENT, "--owner", "group:sales", "--from",
               "/alice/contacts/", "--from", "/alice/prospects/", "--from",
               "/groups/sales/leads/", "--where", "spend>=50000", check=True)
    return server


def segment_url(server: ServerProcess, user: str) -> str:
    return f"{server.url}/{user}/{SEGMENT}/"


def test_a_segment_over_several_books_lists_exactly_the_matching_cards(sales):
    alice = sales.session("alice", "alice-pw")
    assert listed(alice, segment_url(sales, "alice")) == {"a1.vcf", "p1.vcf", "g1.vcf"}


def test_a_card_in_the_segment_is_the_source_card_text(sales):
    alice = sales.session("alice", "alice-pw")
    listed(alice, segment_url(sales, "alice"))
    copy = alice.get(segment_url(sales, "alice") + "p1.vcf")
    assert copy.status_code == 200
    assert copy.text == alice.get(f"{sales.url}/alice/prospects/p1.vcf").text


def test_an_edit_that_makes_a_card_stop_matching_is_a_404_in_the_next_sync(sales):
    alice = sales.session("alice", "alice-pw")
    url = segment_url(sales, "alice")
    _, token, _ = dav.sync_collection(alice, url)
    put(alice, f"{sales.url}/alice/contacts/a1.vcf", card("a1", 100))
    response, _, statuses = dav.sync_collection(alice, url, token)
    assert response.status_code == 207, response.text
    assert statuses == {f"/alice/{SEGMENT}/a1.vcf": 404}


def test_a_new_matching_card_is_a_200_in_the_next_sync(sales):
    alice = sales.session("alice", "alice-pw")
    url = segment_url(sales, "alice")
    _, token, _ = dav.sync_collection(alice, url)
    put(alice, f"{sales.url}/alice/prospects/p3.vcf", card("p3", 55000))
    put(alice, f"{sales.url}/alice/prospects/p4.vcf", card("p4", 10))
    _, _, statuses = dav.sync_collection(alice, url, token)
    assert statuses == {f"/alice/{SEGMENT}/p3.vcf": 200}


def test_a_matching_card_that_changes_is_a_200_in_the_next_sync(sales):
    alice = sales.session("alice", "alice-pw")
    url = segment_url(sales, "alice")
    _, token, _ = dav.sync_collection(alice, url)
    put(alice, f"{sales.url}/groups/sales/leads/g1.vcf", card("g1", 70000, level="A"))
    _, _, statuses = dav.sync_collection(alice, url, token)
    assert statuses == {f"/alice/{SEGMENT}/g1.vcf": 200}
    assert "X-CMS-FIELD:level;A" in alice.get(url + "g1.vcf").text


def test_a_sync_with_no_source_change_reports_nothing(sales):
    alice = sales.session("alice", "alice-pw")
    url = segment_url(sales, "alice")
    _, token, _ = dav.sync_collection(alice, url)
    put(alice, f"{sales.url}/alice/contacts/a2.vcf", card("a2", 9001))
    _, _, statuses = dav.sync_collection(alice, url, token)
    assert statuses == {}


def test_a_member_never_sees_cards_of_a_source_book_he_may_not_read(sales):
    bob = sales.session("bob", "bob-pw")
    assert bob.request("PROPFIND", f"{sales.url}/bob/", headers={"Depth": "1"}
                       ).status_code == 207
    assert listed(bob, segment_url(sales, "bob")) == {"g1.vcf"}
    assert bob.get(segment_url(sales, "bob") + "a1.vcf").status_code == 404


def test_the_segment_appears_in_a_members_home_listing(sales):
    bob = sales.session("bob", "bob-pw")
    response = bob.request("PROPFIND", f"{sales.url}/bob/", headers={"Depth": "1"})
    assert f"/bob/{SEGMENT}/" in dav.hrefs(response)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_write_into_the_segment_is_refused_with_a_body_that_says_why(sales, method):
    alice = sales.session("alice", "alice-pw")
    url = segment_url(sales, "alice")
    listed(alice, url)
    response = alice.request(method, url + "a1.vcf", data=card("a1", 1).encode(),
                             headers={"Content-Type": "text/vcard"})
    assert response.status_code == 403
    assert "smart address book" in response.text and "read-only" in response.text
    assert "X-CMS-FIELD:spend;60000" in alice.get(url + "a1.vcf").text


def test_a_segment_never_writes_into_its_source_books(sales):
    alice = sales.session("alice", "alice-pw")
    before = {name: alice.get(f"{sales.url}/alice/contacts/{name}").text
              for name in ("a1.vcf", "a2.vcf")}
    listed(alice, segment_url(sales, "alice"))
    assert listed(alice, f"{sales.url}/alice/contacts/") == set(before)
    assert {name: alice.get(f"{sales.url}/alice/contacts/{name}").text
            for name in before} == before


def test_removing_the_segment_drops_its_published_books(sales):
    alice = sales.session("alice", "alice-pw")
    listed(alice, segment_url(sales, "alice"))
    result = sales.cli("segment", "remove", SEGMENT, check=True)
    assert "removed segment" in result.stdout
    response = dav.propfind(alice, segment_url(sales, "alice"), "", depth="0")
    assert response.status_code == 404
    assert listed(alice, f"{sales.url}/alice/contacts/") == {"a1.vcf", "a2.vcf"}
