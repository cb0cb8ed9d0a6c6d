"""``cms-dav backup`` / ``backup --verify`` / ``restore`` against a running server."""

from __future__ import annotations

import re

import io
import sqlite3
import tarfile
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.io.support import objects, run_cli, write
from tests.support.dav import put_card, sync_collection, vcard
from tests.support.server import ServerProcess

BOOK = "/alice/contacts/"


class Writer(threading.Thread):
    """PUTs new cards until stopped; remembers which ones the server acknowledged."""

    def __init__(self, session: requests.Session, url: str) -> None:
        super().__init__(daemon=True)
        self.session, self.url = session, url
        self.acknowledged: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            href = f"w{n}.vcf"
            if put_card(self.session, self.url + href,
                        vcard(f"w{n}", f"Writer {n}")).status_code == 201:
                self.acknowledged.append(href)
            n += 1

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.02)


def _snapshot_items(archive: Path, tmp: Path) -> dict[str, tuple[str, str]]:
    """{href: (etag, text)} of alice's contacts as they are inside the archive."""
    with tarfile.open(archive) as tar:
        (tmp / "db.sqlite3").write_bytes(tar.extractfile("db.sqlite3").read())  # type: ignore[union-attr]
    conn = sqlite3.connect(tmp / "db.sqlite3")
    rows = conn.execute("SELECT i.href, i.etag, i.text FROM items i JOIN collections c "
                        "ON c.id = i.collection_id WHERE c.path = 'alice/contacts'").fetchall()
    conn.close()
    return {BOOK + href: (etag, text) for href, etag, text in rows}


@pytest.fixture(scope="module")
def taken_during_writes(live: ServerProcess, tmp_path_factory: pytest.TempPathFactory
                        ) -> Iterator[dict]:
    """A backup taken while a writer PUTs, and what was acknowledged before it."""
    session = live.session("alice", "alice-pw")
    _, old_token, _ = sync_collection(session, live.url + BOOK)
    writer = Writer(session, live.url + BOOK)
    writer.start()
    writer.wait_for(15)
    acknowledged_before = list(writer.acknowledged)
    archive = tmp_path_factory.mktemp("backup") / "snapshot.tar.gz"
    try:
        run_cli(live.data_dir, "backup", str(archive))
        writer.wait_for(len(acknowledged_before) + 10)  # keep writing after the snapshot
    finally:
        writer.stop.set()
        writer.join()
    yield {"archive": archive, "acknowledged_before": acknowledged_before,
           "old_token": old_token, "written": writer.acknowledged}


@pytest.fixture(scope="module")
def restored(taken_during_writes: dict, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("restored")
    run_cli(data_dir, "restore", str(taken_during_writes["archive"]))
    server = ServerProcess(data_dir=data_dir).start()
    yield server
    server.stop()


def test_restore_gives_every_item_of_the_snapshot_with_its_etag(
        restored: ServerProcess, taken_during_writes: dict, files: Path) -> None:
    expected = _snapshot_items(taken_during_writes["archive"], files)
    got = objects(restored.session("alice", "alice-pw"), restored.url + BOOK)
    assert len(expected) >= len(taken_during_writes["acknowledged_before"])
    normalized = {href: (etag, text.replace("\r\n", "\n")) for href, (etag, text) in got.items()}
    assert normalized == {href: (f'"{etag}"' if not etag.startswith('"') else etag,
                                 text.replace("\r\n", "\n"))
                          for href, (etag, text) in expected.items()}


def test_the_snapshot_holds_everything_acknowledged_before_the_backup_started(
        taken_during_writes: dict, files: Path) -> None:
    in_backup = _snapshot_items(taken_during_writes["archive"], files)
    assert {BOOK + href for href in taken_during_writes["acknowledged_before"]} <= set(in_backup)
    assert len(in_backup) < len(taken_during_writes["written"])  # writes went on after it


def test_a_sync_token_from_before_the_restore_is_rejected(
        restored: ServerProcess, taken_during_writes: dict) -> None:
    session = restored.session("alice", "alice-pw")
    response, _, _ = sync_collection(session, restored.url + BOOK,
                                     taken_during_writes["old_token"])
    assert response.status_code == 403 and "valid-sync-token" in response.text


def test_verify_accepts_an_intact_archive(live: ServerProcess, taken_during_writes: dict
                                         ) -> None:
    output = run_cli(live.data_dir, "backup", "--verify",
                     str(taken_during_writes["archive"])).stdout
    assert ": ok" in output


def _rewrite(archive: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the archive with members replaced (bytes) or dropped (None)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name in change:
                if change[member.name] is None:
                    continue
                data = change[member.name]  # type: ignore[assignment]
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def _db_bytes(archive: Path) -> bytes:
    with tarfile.open(archive) as tar:
        return tar.extractfile("db.sqlite3").read()  # type: ignore[union-attr]


@pytest.mark.parametrize("damage, message", [
    ("flipped database byte", "checksum mismatch"),
    ("missing database", "missing from the archive"),
    ("truncated archive", "unreadable archive"),
])
def test_verify_detects_a_corrupted_archive(live: ServerProcess, taken_during_writes: dict,
                                            files: Path, damage: str, message: str) -> None:
    archive = taken_during_writes["archive"]
    if damage == "flipped database byte":
        db = bytearray(_db_bytes(archive))
        db[len(db) // 2] ^= 0xFF
        broken = _rewrite(archive, files / "broken.tar.gz", {"db.sqlite3": bytes(db)})
    elif damage == "missing database":
        broken = _rewrite(archive, files / "broken.tar.gz", {"db.sqlite3": None})
    else:
        data = archive.read_bytes()
        broken = write(files / "broken.tar.gz", data[: len(data) // 2])
    result = run_cli(live.data_dir, "backup", "--verify", str(broken), ok=False)
    assert result.exit_code == 1 and message in result.stderr


def test_restore_refuses_a_data_dir_that_holds_data(live: ServerProcess,
                                                   taken_during_writes: dict) -> None:
    result = run_cli(live.data_dir, "restore", str(taken_during_writes["archive"]), ok=False)
    assert result.exit_code == 1 and "refusing to restore" in result.stderr


def test_restore_refuses_a_damaged_archive(taken_during_writes: dict, files: Path) -> None:
    broken = _rewrite(taken_during_writes["archive"], files / "b.tar.gz", {"users": b"x"})
    result = run_cli(files / "fresh", "restore", str(broken), ok=False)
    assert result.exit_code == 1 and "damaged" in result.stderr
    assert not (files / "fresh" / "cms-dav.sqlite3").exists()


def test_keep_days_deletes_only_old_cms_dav_archives(live: ServerProcess,
                                                     taken_during_writes: dict,
                                                     files: Path) -> None:
    import os
    import shutil
    folder = files / "backups"
    folder.mkdir()
    old = folder / "old.tar.gz"
    shutil.copyfile(taken_during_writes["archive"], old)
    foreign = write(folder / "photos.tar.gz", b"not ours")
    month_ago = time.time() - 30 * 86_400
    for path in (old, foreign):
        os.utime(path, (month_ago, month_ago))
    run_cli(live.data_dir, "backup", str(folder / "new.tar.gz"), "--keep-days", "14")
    assert sorted(p.name for p in folder.iterdir()) == ["new.tar.gz", "photos.tar.gz"]


def test_restore_refuses_a_backup_from_a_newer_schema(taken_during_writes: dict,
                                                      files: Path) -> None:
    import json
    with tarfile.open(taken_during_writes["archive"]) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    manifest["schema_revision"] = "9999"
    newer = _rewrite(taken_during_writes["archive"], files / "newer.tar.gz",
                     {"manifest.json": json.dumps(manifest).encode()})
    result = run_cli(files / "fresh", "restore", str(newer), ok=False)
    assert result.exit_code == 1 and "'9999'" in result.stderr


def test_restore_gives_back_each_item_byte_for_byte(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    from tests.support.lossless_samples import CARDS, crlf
    for uid, text in CARDS.items():
        assert put_card(alice, f"{live.url}{book}{uid}.vcf", text).status_code == 201
    archive = files / "lossless.tar.gz"
    run_cli(live.data_dir, "backup", str(archive))
    run_cli(files / "restored", "restore", str(archive))
    server = ServerProcess(data_dir=files / "restored").start()
    try:
        restored = server.session("alice", "alice-pw")
        for uid, text in CARDS.items():
            assert restored.get(f"{server.url}{book}{uid}.vcf").content == \
                crlf(text).encode(), uid
    finally:
        server.stop()


def test_restore_refuses_items_that_break_the_limits_and_names_them(
        taken_during_writes: dict, files: Path) -> None:
    config = write(files / "small.conf", b"[limits]\nmax_item_bytes = 60\n")
    target = files / "small"
    result = run_cli(target, "--config", str(config), "restore",
                     str(taken_during_writes["archive"]), ok=False)
    assert result.exit_code == 1
    assert "break this server's [limits]" in result.stderr
    # the first refused items by path (the live server also holds other tests' books)
    assert re.search(r"/alice/\S+\.vcf: the vCard is", result.stderr), result.stderr
    assert not (target / "cms-dav.sqlite3").exists()
