"""Issue 4: interaction notes survive a client that drops unknown properties.

The stored history is seeded as the server's own (:func:`seed_card`): a client's PUT
records new entries under the uploader at the server's time (issue 14 item 5, see
test_interaction_integrity_http.py)."""

from __future__ import annotations

import pytest

from tests.contacts.history_support import seed_card
from tests.support.dav import put_card, vcard
from tests.support.server import ServerProcess


@pytest.fixture
def server(emptied_server: ServerProcess) -> ServerProcess:
    """The module's one server: each test seeds a card of its own; alice's book is
    emptied after it."""
    return emptied_server


NOTE_1 = "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;;Discussed renewal\\, next: quote\r\n"
NOTE_2 = "X-CMS-INTERACTION:i-2;meeting;20261121T090000Z;bob;20261201;Spotkanie w Łodzi 会议\r\n"


def test_put_without_interactions_keeps_them_and_the_clients_edits(server):
    alice = server.session("alice", "alice-pw")
    url = f"{server.url}/alice/contacts/zhang.vcf"
    alice.get(f"{server.url}/alice/")  # creates alice's home
    seed_card(server, "alice/contacts", "zhang.vcf",
              vcard("zhang", "Zhang Wei", "TEL:+86 138 0013 8000\r\n" + NOTE_1 + NOTE_2), "zhang")
    stripped = vcard("zhang", "Zhang Wei", "TEL:+86 138 0013 8000\r\nTITLE:Buyer\r\n")
    response = put_card(alice, url, stripped)
    assert response.status_code == 204
    assert "ETag" not in response.headers
    stored = alice.get(url).text.replace("\r\n ", "")  # unfold
    assert "TITLE:Buyer" in stored
    assert "i-1;call;20261120T100000Z" in stored and "i-2;meeting" in stored
    assert "Discussed renewal\\, next: quote" in stored and "会议" in stored


def test_put_that_keeps_interactions_gets_its_etag(server):
    alice = server.session("alice", "alice-pw")
    url = f"{server.url}/alice/contacts/anna.vcf"
    alice.get(f"{server.url}/alice/")
    seed_card(server, "alice/contacts", "anna.vcf", vcard("anna", "Anna Nowak", NOTE_1), "anna")
    edited = alice.get(url).text.replace("FN:Anna Nowak", "FN:Anna Nowak-Kowalska")
    response = put_card(alice, url, edited)
    assert response.headers.get("ETag") == alice.get(url).headers["ETag"]


DONE_2 = ("X-CMS-INTERACTION:i-2;meeting;20261121T090000Z;bob;20261201/20261203T101500Z;"
          "Spotkanie w Łodzi 会议\r\n")


def test_a_stale_copy_without_the_done_mark_does_not_reopen_the_follow_up(server):
    alice = server.session("alice", "alice-pw")
    url = f"{server.url}/alice/contacts/lodz.vcf"
    alice.get(f"{server.url}/alice/")
    seed_card(server, "alice/contacts", "lodz.vcf", vcard("lodz", "Anna Łódzka", DONE_2), "lodz")
    response = put_card(alice, url, vcard("lodz", "Anna Łódzka", "TITLE:CEO\r\n" + NOTE_2))
    assert response.status_code == 204 and "ETag" not in response.headers
    stored = alice.get(url).text.replace("\r\n ", "")
    assert "TITLE:CEO" in stored
    assert "20261201/20261203T101500Z;Spotkanie w Łodzi 会议" in stored


def test_a_client_dropping_the_done_entry_gets_it_back(server):
    alice = server.session("alice", "alice-pw")
    url = f"{server.url}/alice/contacts/lodz2.vcf"
    alice.get(f"{server.url}/alice/")
    seed_card(server, "alice/contacts", "lodz2.vcf", vcard("lodz2", "Anna Łódzka", DONE_2),
              "lodz2")
    put_card(alice, url, vcard("lodz2", "Anna Łódzka", "TITLE:CEO\r\n"))
    assert "20261201/20261203T101500Z" in alice.get(url).text.replace("\r\n ", "")
