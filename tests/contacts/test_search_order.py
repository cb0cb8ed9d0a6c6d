"""contact_sorted_terms (migration 0019_web_sorted_terms, cms_dav.contacts.search_order):
the name and pinyin rows of every person's card with its list order, exactly what the
contact index holds, through every kind of write, ``cms-dav reindex``, a bulk restore
and the migration's own fill; group cards have none."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from alembic import command
from sqlalchemy import Connection, text

from cms_dav.contacts import search_tiers
from cms_dav.contacts.index_hook import SearchIndexHook, reindex
from cms_dav.contacts.query import Book, search
from cms_dav.io.snapshot import load_rows, rows_from_sqlite
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import _config as alembic_config
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store
from tests.store.test_fts_feed import opened

Row = tuple[str, int, str, str, str, int]


def card(uid: str, fn: str, *lines: str) -> ItemData:
    body = "".join(line + "\r\n" for line in lines)
    return ItemData(text=f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\n{body}"
                    "END:VCARD\r\n", uid=uid, etag=f'"{uid}-{len(fn)}-{len(body)}"',
                    name="VCARD", component="")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = opened(tmp_path / "cms-dav.sqlite3")
    store = Store(engine, write_hooks=(SearchIndexHook(),))
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    store.replace_collection("alice/other", {"tag": "VADDRESSBOOK"}, [], "tests")
    yield store
    engine.dispose()


def sorted_rows(conn: Connection) -> set[Row]:
    return {tuple(row) for row in conn.execute(text(  # type: ignore[misc]
        "SELECT field, collection_id, term, sort_key, href, item_id "
        "FROM contact_sorted_terms"))}


def from_the_index(conn: Connection) -> set[Row]:
    """What the table must hold: the people's name and pinyin terms with their card's
    sort key and href."""
    return {tuple(row) for row in conn.execute(text(  # type: ignore[misc]
        "SELECT t.field, t.collection_id, substr(t.term, 1, 64), c.sort_key, c.href, "
        "t.item_id FROM contact_terms t JOIN contact_cards c ON c.item_id = t.item_id "
        "WHERE t.field IN ('name', 'pinyin') AND NOT c.is_group"))}


def assert_in_step(store: Store) -> set[Row]:
    with store.reading() as conn:
        rows = sorted_rows(conn)
        assert rows == from_the_index(conn)
        return rows


def test_a_chinese_name_has_its_name_and_pinyin_rows_with_its_list_order(
        store: Store) -> None:
    store.put_item("alice/book", "zw.vcf", card("zw", "张伟", "N:张;伟;;;"), "alice")
    rows = assert_in_step(store)
    assert {(field, term, sort_key, href) for field, _, term, sort_key, href, _ in rows} >= {
        ("name", "张伟", "张伟", "zw.vcf"), ("pinyin", "zhang wei", "张伟", "zw.vcf"),
        ("pinyin", "zhangwei", "张伟", "zw.vcf"), ("pinyin", "zw", "张伟", "zw.vcf")}
    assert {field for field, *_ in rows} == {"name", "pinyin"}


def test_renamed_moved_and_deleted_cards_keep_the_rows_in_step(store: Store) -> None:
    for number in range(4):
        store.put_item("alice/book", f"{number}.vcf",
                       card(f"c{number}", f"Łukasz {number}", "EMAIL:l@example.com"), "alice")
    store.put_item("alice/book", "1.vcf", card("c1", "周伟", "N:周;伟;;;"), "alice")
    store.move_item("alice/book", "2.vcf", "alice/other", "2.vcf", "alice")
    store.delete_item("alice/book", "3.vcf", "alice")
    rows = assert_in_step(store)
    assert {(sort_key, href) for _, _, _, sort_key, href, _ in rows} == {
        ("lukasz 0", "0.vcf"), ("周伟", "1.vcf"), ("lukasz 2", "2.vcf")}


def test_a_group_card_has_no_sorted_rows(store: Store) -> None:
    group = ItemData(text="BEGIN:VCARD\r\nVERSION:4.0\r\nUID:g1\r\nFN:Zespół\r\nKIND:group\r\n"
                     "END:VCARD\r\n", uid="g1", etag='"g1"', name="VCARD", component="")
    store.put_item("alice/book", "g1.vcf", group, "alice")
    assert assert_in_step(store) == set()


def test_a_reindex_rebuilds_rows_that_were_lost(store: Store) -> None:
    store.put_item("alice/book", "1.vcf", card("c1", "Zofia Nowak"), "alice")
    before = assert_in_step(store)
    with store.writing() as conn:
        conn.execute(text("DELETE FROM contact_sorted_terms"))
    reindex(store, "")
    assert assert_in_step(store) == before != set()


def test_rows_restored_in_bulk_come_with_the_cards(store: Store, tmp_path: Path) -> None:
    store.put_item("alice/book", "1.vcf", card("c1", "张伟", "N:张;伟;;;"), "alice")
    before = assert_in_step(store)
    target = opened(tmp_path / "restored.sqlite3")
    try:
        load_rows(target, rows_from_sqlite(tmp_path / "cms-dav.sqlite3"))
        assert assert_in_step(Store(target)) == before
    finally:
        target.dispose()


def test_the_migration_fills_the_table_from_an_existing_index(store: Store) -> None:
    """Cards indexed before 0019 get their rows from the migration, the same rows the
    index writer makes."""
    store.put_item("alice/book", "1.vcf", card("c1", "张伟", "N:张;伟;;;"), "alice")
    store.put_item("alice/book", "2.vcf", card("c2", "Żaneta Wójcik"), "alice")
    before = assert_in_step(store)
    command.downgrade(alembic_config(store.engine), "0018_put_fts_feed")
    upgrade_to_head(store.engine)
    assert assert_in_step(store) == before


NAMES = ["张伟", "张丽", "周伟", "王芳", "Zofia Nowak", "Zbigniew Zorro", "Żaneta Wójcik",
         "Ada Zawada", "zed", "Émile Zola", "Wei Zhang", "Łukasz Wiśniewski"]


def test_on_postgresql_the_rows_follow_the_writes_and_give_the_full_rankings_pages(
        pg_schema_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same on PostgreSQL (migration 0019 there; the table compares by code point,
    collation "C", as the merge in Python does): the pages of name and pinyin levels
    read from the sorted rows are the head of the full ranking over two books."""
    engine = open_engine(pg_schema_url)
    try:
        upgrade_to_head(engine)
        store = Store(engine, write_hooks=(SearchIndexHook(),))
        for path in ("alice/book", "alice/other"):
            store.replace_collection(path, {"tag": "VADDRESSBOOK"}, [], "tests")
        for number, name in enumerate(NAMES):
            family, given = (name[0], name[1:]) if ord(name[0]) > 0x2e80 else ("", "")
            lines = [f"N:{family};{given};;;"] if family else []
            store.put_item("alice/book" if number % 2 else "alice/other", f"{number}.vcf",
                           card(f"c{number}", name, *lines), "alice")
        assert_in_step(store)
        books = [Book(r.id, r.path) for r in (store.collection("alice/book"),
                                               store.collection("alice/other")) if r]
        monkeypatch.setattr(search_tiers, "SMALL_LEVEL", 0)
        monkeypatch.setattr(search_tiers, "PROBE", 0)
        with store.reading() as conn:
            for text in ("z", "zh", "zhang", "w", "wei", "ż", "zo"):
                whole = [(c.book, c.href) for c in search(conn, books, text)]
                assert whole, text
                for n in range(1, len(whole) + 1):
                    assert [(c.book, c.href) for c in search(conn, books, text, limit=n)
                            ] == whole[:n], (text, n)
    finally:
        engine.dispose()
