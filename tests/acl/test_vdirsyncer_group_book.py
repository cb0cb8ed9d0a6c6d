"""vdirsyncer as bob discovers the sales group address book in his home and syncs
it both ways: what alice (a sales member) writes reaches bob's vdir, what bob adds
locally reaches alice, and a second sync changes nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support import dav
from tests.support.server import ServerProcess

VDIRSYNCER = shutil.which("vdirsyncer", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(VDIRSYNCER is None, reason="vdirsyncer not installed")

PASSWORDS = {"alice": "alice-vds-pw", "bob": "bob-vds-pw"}
RIGHTS = '[groups.sales]\nmembers = ["alice", "bob"]\n'
BOOK = "/groups/sales/contacts/"
MOUNT_NAME = "sales-contacts"


def vdirsyncer_config(tmp: Path, url: str) -> Path:
    config = tmp / "vdirsyncer.conf"
    config.write_text(f"""
[general]
status_path = "{tmp}/status/"

[pair bob_contacts]
a = "bob_local"
b = "bob_remote"
collections = ["from b"]
conflict_resolution = "b wins"

[storage bob_local]
type = "filesystem"
path = "{tmp}/vdir/"
fileext = ".vcf"

[storage bob_remote]
type = "carddav"
url = "{url}/"
username = "bob"
password = "{PASSWORDS['bob']}"
""")
    return config


def run_vdirsyncer(config: Path, *args: str) -> str:
    result = subprocess.run([VDIRSYNCER, "-c", str(config), *args], input="y\n" * 10,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def local_names(folder: Path) -> dict[str, str]:
    """UID -> FN of every card in a local vdir folder."""
    names = {}
    for path in folder.glob("*.vcf"):
        text = path.read_text()
        uid = re.search(r"^UID:(.*)$", text, re.M).group(1).strip()
        names[uid] = re.search(r"^FN:(.*)$", text, re.M).group(1).strip()
    return names


def remote_names(server: ServerProcess, user: str, path: str) -> dict[str, str]:
    session = server.session(user, PASSWORDS[user])
    names = {}
    for href in dav.hrefs(dav.propfind(session, server.url + path, "", "1")):
        if href.endswith(".vcf"):
            text = session.get(server.url + href).text
            uid = re.search(r"^UID:(.*)$", text, re.M).group(1).strip()
            names[uid] = re.search(r"^FN:(.*)$", text, re.M).group(1).strip()
    return names


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory):
    """alice fills the group book; bob discovers and syncs once."""
    data = tmp_path_factory.mktemp("vds-server")
    server = ServerProcess(data_dir=data)
    users = HtpasswdFile(data / "users", rounds=4)  # fast hashes: setup, not security
    for name, password in PASSWORDS.items():
        users.add(name, password)
    (data / "rights.toml").write_text(RIGHTS)
    server.start()
    try:
        server.cli("group", "collection", "add", "sales", "contacts", "--type", "addressbook",
                   check=True)
        alice = server.session("alice", PASSWORDS["alice"])
        for uid, name in (("lead-1", "Buyer Anna"), ("lead-2", "Buyer Ben")):
            dav.put_card(alice, f"{server.url}{BOOK}{uid}.vcf",
                         dav.vcard(uid, name)).raise_for_status()
        client = tmp_path_factory.mktemp("vds-client")
        config = vdirsyncer_config(client, server.url)
        run_vdirsyncer(config, "discover")
        run_vdirsyncer(config, "sync")
        yield server, config, client / "vdir" / MOUNT_NAME
    finally:
        server.stop()


def test_discovery_finds_the_group_book_in_bobs_home(synced):
    _, _, folder = synced
    assert folder.is_dir()


def test_cards_alice_wrote_appear_in_bobs_vdir(synced):
    _, _, folder = synced
    assert local_names(folder) == {"lead-1": "Buyer Anna", "lead-2": "Buyer Ben"}


def test_a_card_bob_adds_locally_appears_for_alice(synced):
    server, config, folder = synced
    (folder / "bob-lead.vcf").write_text(dav.vcard("bob-lead", "Buyer Bob"))
    run_vdirsyncer(config, "sync")
    assert remote_names(server, "alice", BOOK).get("bob-lead") == "Buyer Bob"


def test_a_change_by_alice_reaches_bob_on_the_next_sync(synced):
    server, config, folder = synced
    alice = server.session("alice", PASSWORDS["alice"])
    dav.put_card(alice, f"{server.url}{BOOK}lead-2.vcf",
                 dav.vcard("lead-2", "Buyer Benjamin")).raise_for_status()
    run_vdirsyncer(config, "sync")
    assert local_names(folder)["lead-2"] == "Buyer Benjamin"


def test_a_second_sync_changes_nothing(synced):
    server, config, folder = synced
    run_vdirsyncer(config, "sync")
    files_before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    remote_before = remote_names(server, "alice", BOOK)
    output = run_vdirsyncer(config, "sync")
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == files_before
    assert remote_names(server, "alice", BOOK) == remote_before
    assert not re.search(r"Copying|Updating|Deleting", output), output
