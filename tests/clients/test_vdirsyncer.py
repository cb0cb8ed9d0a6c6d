"""Issue 2: real two-way sync with vdirsyncer (200 contacts, 50 events)."""

from __future__ import annotations

from tests.support.dav import put_card, vcard, vevent
from tests.support.vdirsyncer import (contacts_and_calendar_config, discover_and_sync,
                                      file_mtimes, local_labels, remote_labels,
                                      requires_vdirsyncer, run_vdirsyncer)

pytestmark = requires_vdirsyncer


def test_two_way_sync_converges_and_then_changes_nothing(server, tmp_path):
    contacts_dir = tmp_path / "vdir" / "contacts" / "contacts"
    calendar_dir = tmp_path / "vdir" / "calendar" / "calendar"
    contacts_dir.mkdir(parents=True)
    calendar_dir.mkdir(parents=True)
    for index in range(200):
        (contacts_dir / f"c{index}.vcf").write_text(vcard(f"c{index}", f"Person {index}"))
    for index in range(50):
        (calendar_dir / f"e{index}.ics").write_text(vevent(f"e{index}", f"Event {index}"))
    config = contacts_and_calendar_config(tmp_path, server.url, "alice", "alice-pw")
    discover_and_sync(config)

    alice = server.session("alice", "alice-pw")
    book_path = "/alice/contacts/"
    book = server.url + book_path
    assert len(remote_labels(alice, server.url, book_path)) == 200

    for index in range(10):  # 10 changed on the server
        put_card(alice, book + f"c{index}.vcf", vcard(f"c{index}", f"Changed {index}"))
    for index in range(190, 195):  # 5 deleted locally
        (contacts_dir / f"c{index}.vcf").unlink()
    for index in range(3):  # 3 added on each side
        put_card(alice, book + f"server-{index}.vcf", vcard(f"server-{index}", f"Remote {index}"))
        (contacts_dir / f"local-{index}.vcf").write_text(vcard(f"local-{index}", f"Local {index}"))
        (calendar_dir / f"local-e{index}.ics").write_text(vevent(f"local-e{index}", f"L{index}"))
    run_vdirsyncer(config, "sync")

    local, remote = local_labels(contacts_dir), remote_labels(alice, server.url, book_path)
    assert local == remote
    assert len(local) == 200 - 5 + 3 + 3
    assert local["c3"] == "Changed 3" and "c192" not in local and local["local-1"] == "Local 1"
    assert local_labels(calendar_dir) == remote_labels(alice, server.url, "/alice/calendar/")
    assert len(local_labels(calendar_dir)) == 53

    before_files = file_mtimes(contacts_dir)
    etag_before = alice.request("PROPFIND", book, headers={"Depth": "0"}).text
    output = run_vdirsyncer(config, "sync")
    assert file_mtimes(contacts_dir) == before_files
    assert alice.request("PROPFIND", book, headers={"Depth": "0"}).text == etag_before
    assert "Copying" not in output and "Deleting" not in output
