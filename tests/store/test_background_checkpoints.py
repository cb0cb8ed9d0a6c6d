"""A server leaves WAL checkpoints to a background thread, not to the writing request."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from sqlalchemy import Engine

from cms_dav.store import checkpoint
from cms_dav.store.checkpoint import Checkpointer, start_background_checkpoints
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'cms-dav.sqlite3'}"


@pytest.fixture
def server_engine(url: str) -> Iterator[Engine]:
    """An engine as ``cms-dav serve`` opens it: checkpoints left to the thread."""
    engine = open_engine(url, background_checkpoints=True)
    yield engine
    engine.dispose()


def card(number: int) -> ItemData:
    return ItemData(text=f"BEGIN:VCARD\r\nUID:{number}\r\nFN:Card {number}\r\nEND:VCARD\r\n",
                    uid=str(number), etag=f'"{number}"', name="VCARD", component="")


def test_server_connections_do_not_checkpoint_by_themselves(server_engine: Engine) -> None:
    with server_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0


def test_other_processes_keep_sqlites_automatic_checkpoints(url: str) -> None:
    engine = open_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    engine.dispose()


def test_the_thread_copies_committed_writes_into_the_database_file_even_after_truncating_the_wal(
        url: str, server_engine: Engine, tmp_path: Path) -> None:
    checkpointer = start_background_checkpoints(server_engine, interval=0.05)
    assert checkpointer is not None
    upgrade_to_head(server_engine)
    store = Store(server_engine)
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    for number in range(200):
        store.put_item("alice/book", f"{number}.vcf", card(number), "tests")
    rounds_before = checkpointer.runs  # a round in progress may predate the last write
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        busy, frames, copied = checkpointer.last
        if checkpointer.runs >= rounds_before + 2 and not busy and copied == frames:
            break
        time.sleep(0.05)
    busy, frames, copied = checkpointer.last
    # a round either reports every frame copied, or an earlier round found the WAL past
    # TRUNCATE_ABOVE and emptied it (then SQLite reports 0 frames, all of them copied)
    assert not busy and copied == frames, checkpointer.last
    assert frames > 0 or checkpointer.truncations > 0, checkpointer.last
    # the database file alone, without its WAL, now holds every write
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(url[len("sqlite:///"):], copy)
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM items").fetchone()[0] == 200
    checkpointer.stop()


def test_postgresql_needs_no_checkpointer() -> None:
    engine = open_engine("postgresql+psycopg://nobody@127.0.0.1/none")  # never connects
    assert start_background_checkpoints(engine) is None


def fill(store: Store, count: int) -> None:
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    for number in range(count):
        store.put_item("alice/book", f"{number}.vcf", card(number), "tests")


def test_a_fully_checkpointed_wal_above_the_limit_is_emptied(
        url: str, server_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "TRUNCATE_ABOVE", 64 * 1024)
    upgrade_to_head(server_engine)
    fill(Store(server_engine), 100)
    checkpointer = Checkpointer(server_engine)
    assert checkpointer.wal_size() > 64 * 1024
    checkpointer.run_once()
    assert checkpointer.truncations == 1
    assert Path(url[len("sqlite:///"):] + "-wal").stat().st_size == 0


def test_a_small_wal_is_left_for_sqlite_to_reuse(url: str, server_engine: Engine) -> None:
    upgrade_to_head(server_engine)
    fill(Store(server_engine), 5)
    checkpointer = Checkpointer(server_engine)
    assert 0 < checkpointer.wal_size() <= checkpoint.TRUNCATE_ABOVE
    checkpointer.run_once()
    assert checkpointer.truncations == 0


def test_the_truncation_does_not_wait_for_an_open_reader(
        url: str, server_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "TRUNCATE_ABOVE", 64 * 1024)
    upgrade_to_head(server_engine)
    store = Store(server_engine)
    fill(store, 100)
    reader = reader_in_snapshot(url)  # holds a WAL snapshot
    checkpointer = Checkpointer(server_engine)
    started = time.monotonic()
    checkpointer.run_once()
    assert time.monotonic() - started < 5  # the connections' busy timeout is 60 s
    assert checkpointer.truncations == 0
    reader.execute("COMMIT")
    checkpointer.run_once()
    assert checkpointer.truncations == 1
    reader.close()


def wal_frames(url: str) -> int:
    """Frames in the log now (a PASSIVE checkpoint reports them; it copies, never resets)."""
    connection = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
    try:
        return int(connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        connection.close()


def reader_in_snapshot(url: str) -> sqlite3.Connection:
    """A second connection holding a read transaction open on the database as it is
    now (it keeps the frames written after it from being checkpointed)."""
    reader = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None,
                             check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM items").fetchone()
    return reader


def test_a_log_a_reader_kept_from_being_copied_is_restarted_once_the_reader_is_done(
        url: str, server_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers that never pause leave a reader of older frames at every round: the
    round waits for it and restarts the log, so the next write starts it anew instead
    of growing it (without the restart SQLite appends, as nothing copied the frames
    that reader held back)."""
    monkeypatch.setattr(checkpoint, "RESTART_ABOVE", 0)
    monkeypatch.setattr(checkpoint, "RESTART_WAIT_MS", 10_000)
    upgrade_to_head(server_engine)
    store = Store(server_engine)
    fill(store, 20)
    reader = reader_in_snapshot(url)  # a snapshot of 20 cards
    for number in range(20, 40):
        store.put_item("alice/book", f"{number}.vcf", card(number), "tests")
    done = threading.Timer(0.2, lambda: reader.execute("COMMIT"))
    done.start()
    checkpointer = Checkpointer(server_engine)
    checkpointer.run_once()  # its PASSIVE part stops at the reader's snapshot
    done.join()
    reader.close()
    before = checkpointer.last[1]
    assert checkpointer.restarts == 1
    store.put_item("alice/book", "40.vcf", card(40), "tests")
    assert wal_frames(url) < before


def test_a_log_under_the_restart_size_is_not_restarted(
        url: str, server_engine: Engine) -> None:
    upgrade_to_head(server_engine)
    fill(Store(server_engine), 20)
    checkpointer = Checkpointer(server_engine)
    checkpointer.run_once()
    assert checkpointer.last[1] * 4096 <= checkpoint.RESTART_ABOVE
    assert checkpointer.restarts == 0


def test_a_large_log_the_truncation_could_not_empty_is_restarted_once_the_reader_is_done(
        url: str, server_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every frame copied, but a reader stopped the TRUNCATE that does not wait: the
    round's RESTART waits for the reader, so the next write starts the log anew."""
    monkeypatch.setattr(checkpoint, "TRUNCATE_ABOVE", 0)
    monkeypatch.setattr(checkpoint, "RESTART_ABOVE", 0)
    monkeypatch.setattr(checkpoint, "RESTART_WAIT_MS", 10_000)
    upgrade_to_head(server_engine)
    store = Store(server_engine)
    fill(store, 20)
    reader = reader_in_snapshot(url)  # a snapshot of every write
    done = threading.Timer(0.2, lambda: reader.execute("COMMIT"))
    done.start()
    checkpointer = Checkpointer(server_engine)
    checkpointer.run_once()
    done.join()
    reader.close()
    busy, frames, copied = checkpointer.last
    assert (busy, copied, checkpointer.truncations) == (0, frames, 0)
    assert checkpointer.restarts == 1
    store.put_item("alice/book", "20.vcf", card(20), "tests")
    assert wal_frames(url) < frames
