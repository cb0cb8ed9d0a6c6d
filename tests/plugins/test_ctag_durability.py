"""A collection's ctag (its ETag, CalDAV/CardDAV getctag) leaves the storage plugin only
once the commit it counts is on disk (cms_dav.store.durability, round eight)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from radicale import storage

from cms_dav.app import build_app
from cms_dav.config import load_settings
from cms_dav.store import durability
from cms_dav.store.records import ItemData


def test_a_ctag_read_while_a_deferred_commit_is_unsynced_waits_for_its_fsync(
        tmp_path: Path) -> None:
    app = build_app(load_settings(tmp_path))
    try:
        plugin = storage.load(app.radicale_configuration())
        with plugin.acquire_lock("w", "alice", path="/alice/"):
            plugin.create_collection("/alice/")
        store = app.store
        database = tmp_path / "cms-dav.sqlite3"
        events: list[str] = []

        def fsync(path: str) -> None:
            with sqlite3.connect(database) as side:  # begun after the write committed
                found = side.execute("SELECT count(*) FROM items").fetchone()[0]
            events.append(f"fsync {found}")

        store.group_sync = durability.GroupSync(f"{database}-wal", fsync)
        text = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:1\r\nFN:One\r\nEND:VCARD\r\n"
        with store.locked(["alice/contacts"], defer_sync=True):
            store.put_item("alice/contacts", "1.vcf", ItemData(
                text=text, uid="1", etag='"1"', name="VCARD", component=""), "alice")

            def reader() -> None:
                book = next(iter(plugin.discover("/alice/contacts/")))
                events.append(f"ctag {bool(book.etag)}")

            thread = threading.Thread(target=reader)
            thread.start()
            thread.join(5)
            assert events == ["fsync 1", "ctag True"]
    finally:
        app.close()
