"""Migration 0018_put_fts_feed: the SQLite trigram tables are fed by the writer of a
card's index rows (one INSERT ... SELECT per table and card) instead of a trigger per
row (issue 19), and stay exactly in step with the rows they index through every kind
of write, a bulk restore of rows and ``cms-dav reindex``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text

from cms_dav.contacts.index_hook import SearchIndexHook, reindex
from cms_dav.io.snapshot import load_rows, rows_from_sqlite
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import _config as alembic_config
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store

TRIGRAM_TABLES = ("contact_values_trgm", "contact_terms_trgm")


def card(uid: str, fn: str) -> ItemData:
    return ItemData(text=f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\n"
                    f"N:{fn};;;;\r\nEMAIL:{uid}@example.com\r\nEND:VCARD\r\n",
                    uid=uid, etag=f'"{uid}"', name="VCARD", component="")


def opened(path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    return engine


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = opened(tmp_path / "cms-dav.sqlite3")
    store = Store(engine, write_hooks=(SearchIndexHook(),))
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    yield store
    engine.dispose()


def found(conn: Connection, table: str, needle: str) -> set[int]:
    """The rows of ``table`` the trigram index names for ``needle``, checked to be
    exactly the rows a LIKE scan finds."""
    fts, column = {"contact_values": ("contact_values_trgm", "value"),
                   "contact_terms": ("contact_terms_trgm", "term")}[table]
    indexed = set(conn.execute(text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q"),
                               {"q": f'"{needle}"'}).scalars())
    scanned = set(conn.execute(text(f"SELECT id FROM {table} WHERE {column} LIKE :p"),
                               {"p": f"%{needle}%"}).scalars())
    assert indexed == scanned
    return indexed


def assert_in_step(store: Store) -> None:
    """FTS5's own check that each table indexes exactly the rows of its content table."""
    with store.writing() as conn:
        for fts in TRIGRAM_TABLES:
            conn.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))


def test_written_overwritten_moved_and_deleted_cards_keep_the_index_in_step(
        store: Store) -> None:
    store.replace_collection("alice/other", {"tag": "VADDRESSBOOK"}, [], "tests")
    for number in range(5):
        store.put_item("alice/book", f"{number}.vcf", card(f"c{number}", f"Łukasz {number}"),
                       "alice")
    store.put_item("alice/book", "1.vcf", card("c1", "Wójcik Zhang"), "alice")
    store.move_item("alice/book", "2.vcf", "alice/other", "2.vcf", "alice")
    store.delete_item("alice/book", "3.vcf", "alice")
    assert_in_step(store)
    with store.reading() as conn:
        assert found(conn, "contact_values", "ójc")
        assert not found(conn, "contact_values", "c3@")
        assert found(conn, "contact_values", "c2@")


def test_rows_restored_in_bulk_are_indexed(store: Store, tmp_path: Path) -> None:
    store.put_item("alice/book", "1.vcf", card("c1", "Søren Kierkegaard"), "alice")
    target = opened(tmp_path / "restored.sqlite3")
    try:
        load_rows(target, rows_from_sqlite(tmp_path / "cms-dav.sqlite3"))
        restored = Store(target)
        assert_in_step(restored)
        with restored.reading() as conn:
            assert found(conn, "contact_values", "keg")
            assert found(conn, "contact_terms", "ore")
    finally:
        target.dispose()


def test_a_full_reindex_rebuilds_a_trigram_table_that_lost_its_rows(store: Store) -> None:
    store.put_item("alice/book", "1.vcf", card("c1", "Zofia Nowak"), "alice")
    with store.writing() as conn:
        for fts in TRIGRAM_TABLES:
            conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')"))
    reindex(store, "")
    assert_in_step(store)
    with store.reading() as conn:
        assert found(conn, "contact_values", "owa")


def triggers(store: Store) -> set[str]:
    with store.reading() as conn:
        return set(conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())


def test_the_migration_goes_back_to_the_insert_triggers_and_forward_again(
        store: Store) -> None:
    inserts = {f"{fts}_insert" for fts in TRIGRAM_TABLES}
    command.downgrade(alembic_config(store.engine), "0017_web_sessions")
    assert inserts <= triggers(store)
    upgrade_to_head(store.engine)
    assert not inserts & triggers(store)
