"""Issue 2: real two-way sync with vdirsyncer (200 contacts, 50 events)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.dav import put_card, vcard, vevent

VDIRSYNCER = shutil.which("vdirsyncer", path=str(Path(sys.executable).parent))

pytestmark = pytest.mark.skipif(VDIRSYNCER is None, reason="vdirsyncer not installed")


def _config(tmp: Path, url: str, user: str, password: str) -> Path:
    config = tmp / "vdirsyncer.conf"
    config.write_text(f"""
[general]
status_path = "{tmp}/status/"

[pair contacts]
a = "local_contacts"
b = "remote_contacts"
collections = [["contacts", "contacts", "contacts"]]
conflict_resolution = "b wins"

[storage local_contacts]
type = "filesystem"
path = "{tmp}/vdir/contacts/"
fileext = ".vcf"

[storage remote_contacts]
type = "carddav"
url = "{url}/"
username = "{user}"
password = "{password}"

[pair calendar]
a = "local_calendar"
b = "remote_calendar"
collections = [["calendar", "calendar", "calendar"]]
conflict_resolution = "b wins"

[storage local_calendar]
type = "filesystem"
path = "{tmp}/vdir/calendar/"
fileext = ".ics"

[storage remote_calendar]
type = "caldav"
url = "{url}/"
username = "{user}"
password = "{password}"
""")
    return config


def run_vdirsyncer(config: Path, *args: str) -> str:
    result = subprocess.run([VDIRSYNCER, "-c", str(config), *args], input="y\n" * 10,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def local_state(folder: Path) -> dict[str, str]:
    """UID -> the one line that identifies the content (FN or SUMMARY)."""
    state = {}
    for path in folder.iterdir():
        text = path.read_text()
        uid = re.search(r"^UID:(.*)$", text, re.M).group(1).strip()
        label = re.search(r"^(?:FN|SUMMARY):(.*)$", text, re.M).group(1).strip()
        state[uid] = label
    return state


def remote_state(session, url: str) -> dict[str, str]:
    body = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/>'
            '</d:prop></d:propfind>')
    listing = session.request("PROPFIND", url, data=body, headers={"Depth": "1"})
    hrefs = re.findall(r"<href>([^<]+)</href>", listing.text)
    state = {}
    for href in hrefs:
        if href.endswith("/"):
            continue
        text = session.get(url.split("/alice/")[0] + href).text
        uid = re.search(r"^UID:(.*)$", text, re.M).group(1).strip()
        state[uid] = re.search(r"^(?:FN|SUMMARY):(.*)$", text, re.M).group(1).strip()
    return state


def test_two_way_sync_converges_and_then_changes_nothing(server, tmp_path):
    contacts_dir = tmp_path / "vdir" / "contacts" / "contacts"
    calendar_dir = tmp_path / "vdir" / "calendar" / "calendar"
    contacts_dir.mkdir(parents=True)
    calendar_dir.mkdir(parents=True)
    for index in range(200):
        (contacts_dir / f"c{index}.vcf").write_text(vcard(f"c{index}", f"Person {index}"))
    for index in range(50):
        (calendar_dir / f"e{index}.ics").write_text(vevent(f"e{index}", f"Event {index}"))
    config = _config(tmp_path, server.url, "alice", "alice-pw")
    run_vdirsyncer(config, "discover")
    run_vdirsyncer(config, "sync")

    alice = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/contacts/"
    assert len(remote_state(alice, book)) == 200

    for index in range(10):  # 10 changed on the server
        put_card(alice, book + f"c{index}.vcf", vcard(f"c{index}", f"Changed {index}"))
    for index in range(190, 195):  # 5 deleted locally
        (contacts_dir / f"c{index}.vcf").unlink()
    for index in range(3):  # 3 added on each side
        put_card(alice, book + f"server-{index}.vcf", vcard(f"server-{index}", f"Remote {index}"))
        (contacts_dir / f"local-{index}.vcf").write_text(vcard(f"local-{index}", f"Local {index}"))
        (calendar_dir / f"local-e{index}.ics").write_text(vevent(f"local-e{index}", f"L{index}"))
    run_vdirsyncer(config, "sync")

    local, remote = local_state(contacts_dir), remote_state(alice, book)
    assert local == remote
    assert len(local) == 200 - 5 + 3 + 3
    assert local["c3"] == "Changed 3" and "c192" not in local and local["local-1"] == "Local 1"
    calendar = f"{server.url}/alice/calendar/"
    assert local_state(calendar_dir) == remote_state(alice, calendar)
    assert len(local_state(calendar_dir)) == 53

    before_files = {p.name: p.stat().st_mtime_ns for p in contacts_dir.iterdir()}
    etag_before = alice.request("PROPFIND", book, headers={"Depth": "0"}).text
    output = run_vdirsyncer(config, "sync")
    assert {p.name: p.stat().st_mtime_ns for p in contacts_dir.iterdir()} == before_files
    assert alice.request("PROPFIND", book, headers={"Depth": "0"}).text == etag_before
    assert "Copying" not in output and "Deleting" not in output
