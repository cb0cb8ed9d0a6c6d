"""vdirsyncer as bob discovers the sales group address book in his home and syncs
it both ways: what alice (a sales member) writes reaches bob's vdir, what bob adds
locally reaches alice, and a second sync changes nothing."""

from __future__ import annotations

import re

import pytest

from tests.support import dav
from tests.support.server import ServerProcess, users_server
from tests.support.vdirsyncer import (SyncPair, discover_and_sync, file_mtimes, local_labels,
                                      remote_labels, requires_vdirsyncer, run_vdirsyncer,
                                      write_config)

pytestmark = requires_vdirsyncer

PASSWORDS = {"alice": "alice-vds-pw", "bob": "bob-vds-pw"}
RIGHTS = '[groups.sales]\nmembers = ["alice", "bob"]\n'
BOOK = "/groups/sales/contacts/"
MOUNT_NAME = "sales-contacts"
TIMEOUT = 120  # seconds for one vdirsyncer run


def alice_sees(server: ServerProcess) -> dict[str, str]:
    """UID -> FN of every card in the group book, as alice reads it from the server."""
    return remote_labels(server.session("alice", PASSWORDS["alice"]), server.url, BOOK)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory):
    """alice fills the group book; bob discovers and syncs once."""
    server = users_server(tmp_path_factory.mktemp("vds-server"), PASSWORDS, rights=RIGHTS)
    try:
        server.cli("group", "collection", "add", "sales", "contacts", "--type", "addressbook",
                   check=True)
        alice = server.session("alice", PASSWORDS["alice"])
        for uid, name in (("lead-1", "Buyer Anna"), ("lead-2", "Buyer Ben")):
            dav.put_card(alice, f"{server.url}{BOOK}{uid}.vcf",
                         dav.vcard(uid, name)).raise_for_status()
        client = tmp_path_factory.mktemp("vds-client")
        config = write_config(client, server.url, "bob", PASSWORDS["bob"],
                              [SyncPair("bob_contacts", "carddav", "vdir/")])
        discover_and_sync(config, timeout=TIMEOUT)
        yield server, config, client / "vdir" / MOUNT_NAME
    finally:
        server.stop()


def test_discovery_finds_the_group_book_in_bobs_home(synced):
    _, _, folder = synced
    assert folder.is_dir()


def test_cards_alice_wrote_appear_in_bobs_vdir(synced):
    _, _, folder = synced
    assert local_labels(folder) == {"lead-1": "Buyer Anna", "lead-2": "Buyer Ben"}


def test_a_card_bob_adds_locally_appears_for_alice(synced):
    server, config, folder = synced
    (folder / "bob-lead.vcf").write_text(dav.vcard("bob-lead", "Buyer Bob"))
    run_vdirsyncer(config, "sync", timeout=TIMEOUT)
    assert alice_sees(server).get("bob-lead") == "Buyer Bob"


def test_a_change_by_alice_reaches_bob_on_the_next_sync(synced):
    server, config, folder = synced
    alice = server.session("alice", PASSWORDS["alice"])
    dav.put_card(alice, f"{server.url}{BOOK}lead-2.vcf",
                 dav.vcard("lead-2", "Buyer Benjamin")).raise_for_status()
    run_vdirsyncer(config, "sync", timeout=TIMEOUT)
    assert local_labels(folder)["lead-2"] == "Buyer Benjamin"


def test_a_second_sync_changes_nothing(synced):
    server, config, folder = synced
    run_vdirsyncer(config, "sync", timeout=TIMEOUT)
    files_before = file_mtimes(folder)
    remote_before = alice_sees(server)
    output = run_vdirsyncer(config, "sync", timeout=TIMEOUT)
    assert file_mtimes(folder) == files_before
    assert alice_sees(server) == remote_before
    assert not re.search(r"Copying|Updating|Deleting", output), output
