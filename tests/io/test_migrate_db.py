"""``cms-dav migrate-db --to postgresql://…`` (issue 17 item 5): SQLite into an empty
PostgreSQL database keeping every row, ETag and sync token (real PostgreSQL, skipped
when none answers unless required)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import MetaData, create_engine, select

from cms_dav.store.schema import is_data_table

from tests.conftest import fresh_pg_schema
from tests.support.dav import make_addressbook, put_card, sync_collection, vcard
from tests.support.server import ServerProcess

BOOK = "/alice/book/"


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory of a stopped server on SQLite with alice's book: 3 cards, one
    changed, one deleted, shared with bob (items, changes, history, audit, shares,
    derived rows all hold something). Made once; each test migrates a copy of it."""
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("migrate-template") / "data")
    server.data_dir.mkdir()
    server.add_user("alice", "alice-pw")
    server.add_user("bob", "bob-pw")
    server.start()
    try:
        alice = server.session("alice", "alice-pw")
        make_addressbook(alice, server.url + BOOK, "Book")
        for n in range(3):
            assert put_card(alice, f"{server.url}{BOOK}c{n}.vcf",
                            vcard(f"u{n}", f"Person {n}")).status_code == 201
        assert put_card(alice, f"{server.url}{BOOK}c0.vcf",
                        vcard("u0", "Person Zero", "NOTE:changed\r\n")).status_code == 204
        assert alice.delete(f"{server.url}{BOOK}c2.vcf").status_code in (200, 204)
        server.cli("share", "grant", BOOK, "--to", "user:bob", "--access", "read",
                   check=True)
    finally:
        server.stop()
    return server.data_dir


@pytest.fixture
def sqlite_server(sqlite_template: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server, not running, on this test's copy of :func:`sqlite_template`."""
    server = ServerProcess(data_dir=tmp_path / "data")
    shutil.copytree(sqlite_template, server.data_dir)
    try:
        yield server
    finally:
        server.stop()


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, values as text (dialects differ in types only); the
    derived SQLite trigram tables are not data (cms_dav.store.schema.is_data_table)."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=is_data_table)
        with engine.connect() as conn:
            return {table.name: sorted(tuple(_plain(v) for v in row)
                                       for row in conn.execute(select(table)))
                    for table in metadata.sorted_tables if table.name != "alembic_version"}
    finally:
        engine.dispose()


def _plain(value: Any) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bool):
        value = int(value)
    return repr(value)


def _pg_server(data_dir: Path, url: str) -> ServerProcess:
    config = data_dir / "pg.conf"
    config.write_text(f"[storage]\ndatabase_url = {url}\n", encoding="utf-8")
    return ServerProcess(data_dir=data_dir, config=config)


def test_migrate_db_copies_every_row_of_every_table_unchanged(
        sqlite_server: ServerProcess, pg_url: str) -> None:
    before = _rows(f"sqlite:///{sqlite_server.data_dir / 'cms-dav.sqlite3'}")
    result = sqlite_server.cli("migrate-db", "--to", pg_url, "--batch", "2", check=True)
    assert "counts verified" in result.stdout
    after = _rows(pg_url)
    # and the users file's logins join the copy (more in tests/nodes/test_users_*.py)
    assert [user[0] for user in after.pop("users")] == ["'alice'", "'bob'"] != before.pop("users")
    after["store_meta"] = [row for row in after["store_meta"] if row[0] != "'users_version'"]
    assert before["items"] and before["shares"] and before["history"] and before["audit"]
    assert {name: rows for name, rows in after.items() if name in before} == before


def test_a_sync_token_from_before_the_move_reports_only_later_changes_on_postgresql(
        sqlite_server: ServerProcess, pg_url: str) -> None:
    sqlite_server.start()
    alice = sqlite_server.session("alice", "alice-pw")
    _, token, _ = sync_collection(alice, sqlite_server.url + BOOK)
    etag = alice.get(f"{sqlite_server.url}{BOOK}c1.vcf").headers["ETag"]
    sqlite_server.stop()
    sqlite_server.cli("migrate-db", "--to", pg_url, check=True)
    server = _pg_server(sqlite_server.data_dir, pg_url).start()
    try:
        alice = server.session("alice", "alice-pw")
        assert alice.get(f"{server.url}{BOOK}c1.vcf").headers["ETag"] == etag
        assert put_card(alice, f"{server.url}{BOOK}new.vcf",
                        vcard("u9", "After The Move")).status_code == 201
        response, new_token, changes = sync_collection(alice, server.url + BOOK, token)
        assert response.status_code == 207, response.text
        assert changes == {f"{BOOK}new.vcf": 200} and new_token != token
    finally:
        server.stop()


def test_the_share_granted_on_sqlite_is_effective_on_postgresql(
        sqlite_server: ServerProcess, pg_url: str) -> None:
    sqlite_server.cli("migrate-db", "--to", pg_url, check=True)
    server = _pg_server(sqlite_server.data_dir, pg_url).start()
    try:
        bob = server.session("bob", "bob-pw")
        assert bob.get(f"{server.url}{BOOK}c1.vcf").status_code == 200
        assert put_card(bob, f"{server.url}{BOOK}c1.vcf", vcard("u1", "X")).status_code == 403
    finally:
        server.stop()


def test_migrate_db_refuses_a_target_that_holds_data(
        sqlite_server: ServerProcess, pg_url: str) -> None:
    sqlite_server.cli("migrate-db", "--to", pg_url, check=True)
    again = sqlite_server.cli("migrate-db", "--to", pg_url)
    assert again.returncode == 1
    assert "is not empty" in again.stderr and "audit (" in again.stderr, again.stderr
    assert "Traceback" not in again.stderr


def test_migrate_db_refuses_a_url_that_is_not_postgresql(tmp_path: Path) -> None:
    server = ServerProcess(data_dir=tmp_path / "data")
    server.cli("init", check=True)
    result = server.cli("migrate-db", "--to", f"sqlite:///{tmp_path / 'other.db'}")
    assert result.returncode == 1
    assert "--to must be a PostgreSQL URL" in result.stderr, result.stderr


def test_migrate_db_names_an_unreachable_target(tmp_path: Path) -> None:
    server = ServerProcess(data_dir=tmp_path / "data")
    server.cli("init", check=True)
    result = server.cli("migrate-db", "--to", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "cannot use the target database 127.0.0.1:1/none" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
