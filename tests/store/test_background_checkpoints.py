"""A server leaves WAL checkpoints to a background thread, not to the writing request."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path
from typing import Iterator

import pytest

from sqlalchemy import Engine

from cms_dav.store.checkpoint import start_background_checkpoints
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


def test_the_thread_copies_committed_writes_into_the_database_file(
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
        if checkpointer.runs >= rounds_before + 2 and frames and copied == frames:
            break
        time.sleep(0.05)
    busy, frames, copied = checkpointer.last
    assert frames > 0 and copied == frames, checkpointer.last
    # the database file alone, without its WAL, now holds every write
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(url[len("sqlite:///"):], copy)
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM items").fetchone()[0] == 200
    checkpointer.stop()


def test_postgresql_needs_no_checkpointer() -> None:
    engine = open_engine("postgresql+psycopg://nobody@127.0.0.1/none")  # never connects
    assert start_background_checkpoints(engine) is None
