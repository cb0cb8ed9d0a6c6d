"""Smart address books (issue 14 item 3) over real HTTP: a saved filter published as a
read-only address book in each viewer's home, holding exactly the matching cards of the
source books that viewer may read, kept inside every write: an edit through CardDAV moves
the segment's sync token by exactly that card (RFC 6578 §3.5: 404 when it left, 200 when
it entered or changed) and the other members keep their ETags.

One server per module. The listing tests read ``big-spenders``, whose books no test
writes; the upkeep tests write cards of their own UIDs into the books of ``whales`` and
look only at the delta since their own sync token."""

from __future__ import annotations

from typing import Iterator
from xml.etree import ElementTree

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


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """alice's two books and the sales group's book, with a segment for group:sales."""
    data = tmp_path_factory.mktemp("segments")
    (data / "rights.toml").write_text(RIGHTS)
    (data / "fields.toml").write_text(FIELDS)
    server = ServerProcess(data_dir=data)
    for name in ("alice", "bob"):
        server.add_user(name, f"{name}-pw")
    server.start()
    try:
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
        yield server
    finally:
        server.stop()


def segment_url(server: ServerProcess, user: str, segment: str = SEGMENT) -> str:
    return f"{server.url}/{user}/{segment}/"


def session(server: ServerProcess, user: str) -> requests.Session:
    return server.session(user, f"{user}-pw")


# -- what a segment lists ---------------------------------------------------------------
def test_a_segment_over_several_books_lists_exactly_the_matching_cards(sales):
    alice = sales.session("alice", "alice-pw")
    assert listed(alice, segment_url(sales, "alice")) == {"a1.vcf", "p1.vcf", "g1.vcf"}


def test_a_card_in_the_segment_is_the_source_card_text(sales):
    alice = sales.session("alice", "alice-pw")
    listed(alice, segment_url(sales, "alice"))
    copy = alice.get(segment_url(sales, "alice") + "p1.vcf")
    assert copy.status_code == 200
    assert copy.text == alice.get(f"{sales.url}/alice/prospects/p1.vcf").text


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


def test_removing_a_segment_drops_its_published_books(sales):
    alice = sales.session("alice", "alice-pw")
    sales.cli("segment", "add", "doomed", "--owner", "user:alice", "--from",
              "/alice/contacts/", "--where", "spend>=50000", check=True)
    assert listed(alice, segment_url(sales, "alice", "doomed")) == {"a1.vcf"}
    result = sales.cli("segment", "remove", "doomed", check=True)
    assert "removed segment" in result.stdout
    response = dav.propfind(alice, segment_url(sales, "alice", "doomed"), "", depth="0")
    assert response.status_code == 404
    assert listed(alice, f"{sales.url}/alice/contacts/") == {"a1.vcf", "a2.vcf"}


# -- kept inside every write --------------------------------------------------------------
WHALES = "whales"
PIPELINE = "/alice/pipeline/"  # bob may not read it
DEALS = "/groups/sales/deals/"


@pytest.fixture(scope="module")
def whales(sales: ServerProcess) -> ServerProcess:
    """The segment the upkeep tests write under, over a book of alice's and one of the
    group's, published in alice's and bob's homes."""
    sales.cli("group", "collection", "add", "sales", "deals", "--type", "addressbook",
              check=True)
    dav.make_addressbook(session(sales, "alice"), f"{sales.url}{PIPELINE}", "Pipeline")
    sales.cli("segment", "add", WHALES, "--owner", "group:sales", "--from", PIPELINE,
              "--from", DEALS, "--where", "spend>=50000", check=True)
    assert session(sales, "bob").request("PROPFIND", f"{sales.url}/bob/",
                                         headers={"Depth": "1"}).status_code == 207
    return sales


def whale_url(server: ServerProcess, user: str) -> str:
    return segment_url(server, user, WHALES)


def token(server: ServerProcess, user: str) -> str:
    _, new_token, _ = dav.sync_collection(session(server, user), whale_url(server, user))
    assert new_token
    return new_token


def delta(server: ServerProcess, user: str, since: str) -> dict[str, int]:
    response, _, statuses = dav.sync_collection(session(server, user),
                                                whale_url(server, user), since)
    assert response.status_code == 207, response.text
    return statuses


def etags(server: ServerProcess, user: str) -> dict[str, str]:
    response = dav.propfind(session(server, user), whale_url(server, user),
                            '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop>'
                            '<d:getetag/></d:prop></d:propfind>')
    assert response.status_code == 207, response.text
    root = ElementTree.fromstring(response.content)
    return {el.findtext("d:href", namespaces=dav.NS) or "":
            el.findtext("d:propstat/d:prop/d:getetag", namespaces=dav.NS) or ""
            for el in root.findall("d:response", dav.NS)
            if (el.findtext("d:href", namespaces=dav.NS) or "").endswith(".vcf")}


def test_an_edit_that_makes_a_card_stop_matching_is_the_one_404_of_the_next_sync(whales):
    alice = session(whales, "alice")
    put(alice, f"{whales.url}{PIPELINE}leaves.vcf", card("leaves", 80000))
    since = token(whales, "alice")
    put(alice, f"{whales.url}{PIPELINE}leaves.vcf", card("leaves", 80))
    assert delta(whales, "alice", since) == {f"/alice/{WHALES}/leaves.vcf": 404}


def test_a_new_matching_card_is_the_one_200_of_the_next_sync(whales):
    alice = session(whales, "alice")
    since = token(whales, "alice")
    put(alice, f"{whales.url}{PIPELINE}enters.vcf", card("enters", 51000))
    put(alice, f"{whales.url}{PIPELINE}small.vcf", card("small", 10))
    assert delta(whales, "alice", since) == {f"/alice/{WHALES}/enters.vcf": 200}


def test_a_matching_card_that_changes_is_a_200_and_its_copy_has_the_new_text(whales):
    alice = session(whales, "alice")
    put(alice, f"{whales.url}{DEALS}changes.vcf", card("changes", 90000))
    since = token(whales, "alice")
    put(alice, f"{whales.url}{DEALS}changes.vcf", card("changes", 90000, level="B"))
    assert delta(whales, "alice", since) == {f"/alice/{WHALES}/changes.vcf": 200}
    assert "X-CMS-FIELD:level;B" in alice.get(whale_url(whales, "alice") + "changes.vcf").text


def test_an_edit_of_a_card_outside_the_segment_reports_nothing(whales):
    alice = session(whales, "alice")
    put(alice, f"{whales.url}{PIPELINE}outside.vcf", card("outside", 9000))
    since = token(whales, "alice")
    put(alice, f"{whales.url}{PIPELINE}outside.vcf", card("outside", 9001))
    assert delta(whales, "alice", since) == {}


def test_an_edit_leaves_the_other_members_etags_as_they_were(whales):
    alice = session(whales, "alice")
    put(alice, f"{whales.url}{PIPELINE}kept.vcf", card("kept", 70000))
    put(alice, f"{whales.url}{PIPELINE}edited.vcf", card("edited", 65000))
    before = etags(whales, "alice")
    put(alice, f"{whales.url}{PIPELINE}edited.vcf", card("edited", 66000))
    after = etags(whales, "alice")
    edited = f"/alice/{WHALES}/edited.vcf"
    assert after[edited] != before[edited]
    assert {h: e for h, e in after.items() if h != edited} == \
        {h: e for h, e in before.items() if h != edited}


def test_a_deleted_matching_card_is_a_404(whales):
    alice = session(whales, "alice")
    put(alice, f"{whales.url}{DEALS}gone.vcf", card("gone", 75000))
    since = token(whales, "alice")
    assert alice.delete(f"{whales.url}{DEALS}gone.vcf").status_code in (200, 204)
    assert delta(whales, "alice", since) == {f"/alice/{WHALES}/gone.vcf": 404}


def test_a_member_without_read_on_a_source_never_gets_its_new_cards(whales):
    since = token(whales, "bob")
    put(session(whales, "alice"), f"{whales.url}{PIPELINE}private.vcf",
        card("private", 99000))
    assert delta(whales, "bob", since) == {}
    assert f"/bob/{WHALES}/private.vcf" not in etags(whales, "bob")


def test_a_member_gets_the_new_cards_of_the_source_he_may_read(whales):
    since = token(whales, "bob")
    put(session(whales, "alice"), f"{whales.url}{DEALS}shared.vcf", card("shared", 99000))
    assert delta(whales, "bob", since) == {f"/bob/{WHALES}/shared.vcf": 200}
