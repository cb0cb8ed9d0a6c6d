"""A DAV write's WAL fsync is shared by concurrent writers and waited for outside the
book's lock, before the answer (cms_dav.store.durability; issue 19, round eight)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import create_engine, text

from bench import data, put_phases
from cms_dav.store import durability
from cms_dav.store.engine import open_engine
from cms_dav.store.store import Store


def first_fsync_held() -> tuple[durability.GroupSync, threading.Event, list[int]]:
    """A GroupSync whose first fsync, started in a thread, blocks until the returned
    event is set; the list counts the fsyncs begun."""
    began, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def fsync(path: str) -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            began.set()
            release.wait(5)

    group = durability.GroupSync("x-wal", fsync)
    threading.Thread(target=group.sync).start()
    assert began.wait(5)
    return group, release, runs


def wait_for_calls(group: durability.GroupSync, calls: int) -> None:
    while group.calls < calls:
        threading.Event().wait(0.001)


def test_callers_arriving_during_an_fsync_share_the_next_one() -> None:
    group, release, _ = first_fsync_held()
    later = [threading.Thread(target=group.sync) for _ in range(3)]
    for thread in later:
        thread.start()
    wait_for_calls(group, 4)  # all three wait behind the running fsync
    release.set()
    for thread in later:
        thread.join(5)
    assert group.calls == 4
    assert group.runs == 2  # the first, then one for the three that came during it


def test_a_caller_returns_only_after_an_fsync_that_began_after_its_call() -> None:
    group, release, started = first_fsync_held()
    done = threading.Event()
    second = threading.Thread(target=lambda: (group.sync(), done.set()))
    second.start()
    wait_for_calls(group, 2)
    release.set()
    assert done.wait(5)
    assert len(started) == 2  # the running fsync began before it asked: not enough
    second.join(5)


def test_a_failed_fsync_is_raised_and_the_next_caller_runs_its_own() -> None:
    calls: list[str] = []

    def fsync(path: str) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise OSError("EIO")

    group = durability.GroupSync("x-wal", fsync)
    with pytest.raises(OSError, match="EIO"):
        group.sync()
    group.sync()
    assert len(calls) == 2


def _synchronous(conn: Any) -> int:
    return int(conn.execute(text("PRAGMA synchronous")).scalar_one())


def _store(tmp_path: Path, fsync: Callable[[str], None]) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.group_sync = durability.GroupSync(str(tmp_path / "db.sqlite3-wal"), fsync)
    with store.writing() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    return store


def test_a_write_in_a_deferring_lock_commits_without_its_fsync_and_is_synced_at_the_end(
        tmp_path: Path) -> None:
    synced: list[str] = []
    store = _store(tmp_path, synced.append)
    try:
        with store.locked(["/u/book"], defer_sync=True):
            with store.writing() as conn:
                assert _synchronous(conn) == 1  # NORMAL: the COMMIT writes, no fsync
                conn.execute(text("INSERT INTO t VALUES (1)"))
            assert synced == []
        assert synced == [str(tmp_path / "db.sqlite3-wal")]
        with store.writing() as conn:
            assert _synchronous(conn) == 2  # FULL again outside the scope
    finally:
        store.engine.dispose()


def test_a_lock_without_defer_sync_commits_with_its_own_fsync(tmp_path: Path) -> None:
    synced: list[str] = []
    store = _store(tmp_path, synced.append)
    try:
        with store.locked(["/u/book"]):
            with store.writing() as conn:
                assert _synchronous(conn) == 2
                conn.execute(text("INSERT INTO t VALUES (1)"))
        assert synced == []
    finally:
        store.engine.dispose()


def test_the_deferred_fsync_waits_outside_the_books_lock(tmp_path: Path) -> None:
    other_got_the_lock: list[bool] = []
    store: Store | None = None

    def fsync(path: str) -> None:
        assert store is not None
        done = threading.Event()

        def take_lock() -> None:
            with store.locked(["/u/book"]):
                done.set()

        thread = threading.Thread(target=take_lock)
        thread.start()
        other_got_the_lock.append(done.wait(5))
        thread.join(5)

    store = _store(tmp_path, fsync)
    try:
        with store.locked(["/u/book"], defer_sync=True):
            with store.writing() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))
        assert other_got_the_lock == [True]
    finally:
        store.engine.dispose()


def test_only_an_sqlite_file_gets_a_group_sync(tmp_path: Path) -> None:
    file_engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    memory_engine = create_engine("sqlite://")
    try:
        found = durability.for_engine(file_engine)
        assert found is not None and found.path == str(tmp_path / "db.sqlite3-wal")
        assert durability.for_engine(memory_engine) is None
    finally:
        file_engine.dispose()
        memory_engine.dispose()


def test_a_dav_put_is_synced_after_its_commit_and_before_its_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cms_dav.app import build_app
    from cms_dav.config import load_settings

    folder = tmp_path / "data"
    put_phases.fill(folder, 2)
    database = folder / "cms-dav.sqlite3"
    href = data.card_href(500)
    events: list[str] = []

    def fsync(path: str) -> None:
        with sqlite3.connect(database) as side:  # the write is committed already
            found = side.execute("SELECT count(*) FROM items WHERE href = ?",
                                 (href,)).fetchone()[0]
        events.append(f"fsync {Path(path).name} {found}")

    monkeypatch.setattr(durability, "_fsync_file", fsync)
    app = build_app(load_settings(data_dir=folder))
    try:
        body = b"".join(app.wsgi()(put_phases._environ(put_phases.BOOK + href,
                                                       data.make_card(500, 7)),
                                   lambda status, headers, exc_info=None:
                                   events.append(status)))
    finally:
        app.close()
    assert body is not None
    assert events == ["fsync cms-dav.sqlite3-wal 1", "201 Created"]


def test_settle_runs_no_fsync_while_no_deferred_commit_is_unsynced() -> None:
    runs: list[str] = []
    group = durability.GroupSync("x-wal", runs.append)
    group.settle()
    group.announce()
    group.ended()
    group.sync()  # the writer's own fsync, begun after its commit ended
    group.settle()
    assert runs == ["x-wal"]


def test_settle_after_an_unsynced_deferred_commit_runs_an_fsync() -> None:
    runs: list[str] = []
    group = durability.GroupSync("x-wal", runs.append)
    group.announce()
    group.ended()
    group.settle()
    group.settle()  # covered now
    assert runs == ["x-wal"]


def test_an_fsync_begun_before_a_commit_ended_does_not_cover_it_for_settle() -> None:
    runs: list[str] = []
    group = durability.GroupSync("x-wal", runs.append)
    group.announce()
    group.sync()  # begun while the COMMIT had not returned
    group.ended()
    group.settle()
    assert runs == ["x-wal", "x-wal"]


def _book_store(tmp_path: Path, fsync: Callable[[str], None]) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    store.group_sync = durability.GroupSync(str(tmp_path / "db.sqlite3-wal"), fsync)
    return store


def _card(number: int) -> Any:
    from cms_dav.store.records import ItemData
    return ItemData(text=f"BEGIN:VCARD\r\nUID:{number}\r\nFN:Card {number}\r\nEND:VCARD\r\n",
                    uid=str(number), etag=f'"{number}"', name="VCARD", component="")


@pytest.mark.parametrize("read", ["sync", "sync_page"])
def test_a_sync_token_read_while_a_deferred_commit_is_unsynced_waits_for_its_fsync(
        tmp_path: Path, read: str) -> None:
    """Regression (RFC 6578): a token handed out before the fsync of the write it
    counts could name a sequence a power loss takes back and the next write reuses."""
    events: list[str] = []
    database = tmp_path / "db.sqlite3"

    def fsync(path: str) -> None:
        with sqlite3.connect(database) as side:  # begun after the write committed
            found = side.execute("SELECT count(*) FROM items").fetchone()[0]
        events.append(f"fsync {found}")

    store = _book_store(tmp_path, fsync)
    try:
        with store.locked(["alice/book"], defer_sync=True):
            store.put_item("alice/book", "1.vcf", _card(1), "alice")
            assert events == []  # committed, not yet synced: the scope is still open

            def reader() -> None:
                if read == "sync":
                    token = store.sync("alice/book", "")[0]
                else:
                    token = store.sync_page("alice/book", "", 10).token
                events.append(f"token {bool(token)}")

            thread = threading.Thread(target=reader)
            thread.start()
            thread.join(5)
            assert events == ["fsync 1", "token True"]
        assert events == ["fsync 1", "token True", "fsync 1"]  # the writer's own
    finally:
        store.engine.dispose()


def test_settle_with_other_writing_processes_always_runs_an_fsync() -> None:
    """Under ``serve --workers N`` another worker's deferred commit is in no counter of
    this process: a sync token read here may count it, so every settle syncs."""
    runs: list[str] = []
    group = durability.GroupSync("x-wal", runs.append, other_writers=True)
    group.settle()
    group.settle()
    assert runs == ["x-wal", "x-wal"]


def test_a_worker_of_several_processes_gets_a_group_sync_for_other_writers(
        tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        alone, among = durability.for_engine(engine), durability.for_engine(
            engine, other_writers=True)
        assert alone is not None and not alone.other_writers
        assert among is not None and among.other_writers
    finally:
        engine.dispose()
