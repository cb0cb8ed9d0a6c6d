"""Issue 14 item 5: a history nobody can rewrite, over real HTTP and the real CLI.

A client's PUT cannot change a stored X-CMS-INTERACTION, nor add one in another
user's name or at another time: new entries are recorded under the uploader at the
server's time (the client's time kept as claimed, never in the future); ``notes list``
shows the truth and the audit trail the attempt.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from cms_dav.app import build_app
from cms_dav.cli import cli
from cms_dav.config import load_settings
from cms_dav.store.audit import recent
from tests.contacts.history_support import seed_card
from tests.support.dav import put_card, vcard

CALL = "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;;Discussed renewal\r\n"
TAMPERED = "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;;TAMPERED text\r\n"
BOB_2020 = "X-CMS-INTERACTION:i-2;meeting;20200101T090000Z;bob;;Met in 2020\r\n"
FUTURE = "X-CMS-INTERACTION:i-3;visit;20991231T120000Z;bob;;Visit from the future\r\n"


@pytest.fixture
def server(emptied_server):
    """The module's one server: each test's card is removed after it, and the audit
    checks look only at rows written after their test's seed (:func:`tampers_after`)."""
    return emptied_server


def notes(server, contact="zw", user="alice"):
    result = CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "notes", "list",
                                      contact, "--user", user, "--json"])
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in json.loads(result.stdout)}


def seeded(server):
    alice = server.session("alice", "alice-pw")
    alice.get(f"{server.url}/alice/")  # creates alice's home
    seed_card(server, "alice/contacts", "zw.vcf", vcard("zw", "Zhang Wei", CALL), "zw")
    return alice, f"{server.url}/alice/contacts/zw.vcf"


def last_audit_id(server) -> int:
    with build_app(load_settings(server.data_dir)) as app, app.store.reading() as conn:
        return max((row["id"] for row in recent(conn, 1)), default=0)


def tampers_after(server, audit_id: int) -> list[dict]:
    """The ``contact.note.tamper`` audit rows written after row ``audit_id``."""
    with build_app(load_settings(server.data_dir)) as app, app.store.reading() as conn:
        return [row for row in recent(conn, 50)
                if row["id"] > audit_id and row["action"] == "contact.note.tamper"]


def stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def test_a_put_changing_an_entrys_text_leaves_the_stored_entry(server):
    alice, url = seeded(server)
    response = put_card(alice, url, vcard("zw", "Zhang Wei", TAMPERED))
    assert response.status_code == 204 and "ETag" not in response.headers
    assert "TAMPERED" not in alice.get(url).text
    assert notes(server)["i-1"]["text"] == "Discussed renewal"


def test_a_put_changing_an_entry_is_recorded_in_the_audit_trail(server):
    alice, url = seeded(server)
    seed = last_audit_id(server)
    put_card(alice, url, vcard("zw", "Zhang Wei", TAMPERED))
    [entry] = tampers_after(server, seed)
    assert (entry["actor"], entry["target"], entry["detail"]["notes"]) == (
        "alice", "alice/contacts/zw.vcf", ["i-1"])


def test_an_entry_in_another_users_name_and_a_past_date_is_recorded_under_the_uploader_now(
        server):
    alice, url = seeded(server)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    put_card(alice, url, vcard("zw", "Zhang Wei", CALL + BOB_2020))
    after = datetime.now(timezone.utc)
    entry = notes(server)["i-2"]
    assert (entry["author"], entry["claimed"], entry["text"]) == (
        "alice", "2020-01-01T09:00:00Z", "Met in 2020")
    assert before <= stamp(entry["at"]) <= after


def test_an_entry_dated_in_the_future_is_recorded_at_the_servers_time_with_no_claim(server):
    alice, url = seeded(server)
    put_card(alice, url, vcard("zw", "Zhang Wei", CALL + FUTURE))
    entry = notes(server)["i-3"]
    assert (entry["author"], entry["claimed"]) == ("alice", "")
    assert stamp(entry["at"]) <= datetime.now(timezone.utc)


def test_the_stored_card_carries_the_attested_entry(server):
    alice, url = seeded(server)
    put_card(alice, url, vcard("zw", "Zhang Wei", CALL + BOB_2020))
    stored = alice.get(url).text.replace("\r\n ", "")
    assert re.search(r"i-2;meeting;\d{8}T\d{6}Z/claimed=20200101T090000Z;alice;;Met in 2020",
                     stored)
    assert ";bob;" not in stored


def test_a_second_put_of_the_clients_own_copy_changes_nothing_and_audits_nothing(server):
    alice, url = seeded(server)
    seed = last_audit_id(server)
    put_card(alice, url, vcard("zw", "Zhang Wei", CALL + BOB_2020))
    first = alice.get(url).text
    put_card(alice, url, vcard("zw", "Zhang Wei", CALL + BOB_2020))  # a client that never re-read
    assert alice.get(url).text == first
    assert not tampers_after(server, seed)


def test_a_whole_address_book_put_cannot_rewrite_an_entry_either(server):
    alice, _ = seeded(server)
    response = alice.put(f"{server.url}/alice/contacts/",
                         data=vcard("zw", "Zhang Wei", TAMPERED + BOB_2020).encode(),
                         headers={"Content-Type": "text/vcard"})
    assert response.status_code in (201, 204), response.text
    found = notes(server)
    assert found["i-1"]["text"] == "Discussed renewal"
    assert (found["i-2"]["author"], found["i-2"]["claimed"]) == ("alice", "2020-01-01T09:00:00Z")
