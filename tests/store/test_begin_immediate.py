"""A writer's ``BEGIN IMMEDIATE`` waits for another connection's write lock by trying
again in short steps instead of SQLite's busy handler (issue 19: its sleeps of up to
100 ms, blind to the lock's release, were taken while a PUT held its book's lock)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from cms_dav.store.engine import BUSY_SECONDS, begin_immediate


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_SECONDS)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def test_a_writer_gets_the_lock_once_the_other_writer_commits(tmp_path: Path) -> None:
    holder, waiter = _connect(tmp_path / "db"), _connect(tmp_path / "db")
    holder.execute("CREATE TABLE t (v INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")

    release = threading.Timer(0.2, holder.execute, ["COMMIT"])
    release.start()
    try:
        begin_immediate(waiter)
        waiter.execute("INSERT INTO t VALUES (2)")
        waiter.execute("COMMIT")
    finally:
        release.join()
    assert sorted(v for (v,) in holder.execute("SELECT v FROM t")) == [1, 2]


def test_a_writer_gives_up_with_database_is_locked_after_its_timeout(tmp_path: Path) -> None:
    holder, waiter = _connect(tmp_path / "db"), _connect(tmp_path / "db")
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        begin_immediate(waiter, timeout=0.05)
    assert not waiter.in_transaction


def test_the_connection_keeps_its_busy_timeout_for_other_statements(tmp_path: Path) -> None:
    conn = _connect(tmp_path / "db")
    begin_immediate(conn)
    conn.execute("COMMIT")
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_SECONDS * 1000
