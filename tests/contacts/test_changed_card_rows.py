"""A changed card's index rows (issue 19, round nine): an update of a few items replaces
only the term, sorted and value rows that changed (``index_store._replace_changed``)
instead of dropping and inserting every row. Specified against the drop-and-insert
path (``CHANGED_ROWS_LIMIT = 0``): the same rows in every table, the same substring
matches, and the trigram tables in step with their rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import Connection, text

from bench import data
from cms_dav.contacts import index_store
from cms_dav.contacts.index_hook import SearchIndexHook
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store
from tests.conftest import fresh_pg_schema

TABLES = {"contact_terms": ("item_id", "collection_id", "field", "term"),
          "contact_values": ("item_id", "collection_id", "prop", "value"),
          "contact_sorted_terms": ("field", "collection_id", "term", "sort_key", "href",
                                   "item_id")}
TRIGRAM = {"contact_values": ("contact_values_trgm", "value"),
           "contact_terms": ("contact_terms_trgm", "term")}


def vcard(uid: str, *lines: str) -> ItemData:
    body = "".join(f"{line}\r\n" for line in lines)
    return ItemData(text=f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\n{body}END:VCARD\r\n",
                    uid=uid, etag=f'"{uid}-{hash(body)}"', name="VCARD", component="")


def bench_card(index: int, revision: int, uid: str | None = None) -> ItemData:
    """Bench card ``index`` (under another card's ``uid``: all its rows other)."""
    uid = uid or data.card_uid(index)
    return ItemData(text=data.make_card(index, 7, revision, uid).decode(), uid=uid,
                    etag=f'"{uid}-{revision}"', name="VCARD", component="")


@contextmanager
def urls(backend: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of ``backend``."""
    if backend == "sqlite":
        yield (f"sqlite:///{tmp_path / 'changed.sqlite3'}",
               f"sqlite:///{tmp_path / 'dropped.sqlite3'}")
        return
    with ExitStack() as stack:
        yield stack.enter_context(fresh_pg_schema()), stack.enter_context(fresh_pg_schema())


@contextmanager
def opened(url: str) -> Iterator[Store]:
    engine = open_engine(url)
    try:
        upgrade_to_head(engine)
        store = Store(engine, write_hooks=(SearchIndexHook(),))
        for book in ("alice/book", "alice/other"):
            store.replace_collection(book, {"tag": "VADDRESSBOOK"}, [], "tests")
        yield store
    finally:
        engine.dispose()


def rows(conn: Connection) -> dict[str, Counter[tuple[object, ...]]]:
    """Every index table's rows without their ids (a multiset each), and contact_cards."""
    found = {table: Counter(tuple(row) for row in conn.execute(text(
                 f"SELECT {', '.join(columns)} FROM {table}")))
             for table, columns in TABLES.items()}
    found["contact_cards"] = Counter(tuple(row) for row in conn.execute(text(
        "SELECT * FROM contact_cards")))
    return found


def matches(conn: Connection, needles: list[str]) -> list[set[tuple[object, ...]]]:
    """For each needle, the (item, text) rows a LIKE scan finds; on SQLite checked to be
    what the trigram table's LIKE (its index) finds too."""
    answers = []
    for needle in needles:
        for table, (fts, column) in TRIGRAM.items():
            scanned = {tuple(row) for row in conn.execute(text(
                f"SELECT item_id, {column} FROM {table} WHERE {column} LIKE :p"),
                {"p": f"%{needle}%"})}
            if conn.dialect.name == "sqlite":
                indexed = {tuple(row) for row in conn.execute(text(
                    f"SELECT t.item_id, t.{column} FROM {fts} JOIN {table} t "
                    f"ON t.id = {fts}.rowid WHERE {fts}.{column} LIKE :p"), {"p": f"%{needle}%"})}
                assert indexed == scanned, (table, needle)
            answers.append(scanned)
    return answers


def in_step(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        return
    with store.writing() as conn:
        for fts, _column in TRIGRAM.values():
            conn.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))


NEEDLES = ["ows", "ski", "kie", "targach", "vision", "example", "zzz", "łuk", "ówk", "2025"]


def story(store: Store) -> None:
    """Cards written, then changed in every way a row set can change."""
    for index in range(6):
        store.put_item("alice/book", data.card_href(index), bench_card(index, 0), "alice")
    store.put_item("alice/book", "x.vcf", vcard(
        "x", "FN:Łukasz Wójcik", "N:Wójcik;Łukasz;;;", "EMAIL:l@example.com",
        "EMAIL:l@example.com", "NOTE:a b a"), "alice")
    for index in range(6):  # the NOTE's revision moves on
        store.put_item("alice/book", data.card_href(index), bench_card(index, 1), "alice")
    store.put_item("alice/book", data.card_href(0), bench_card(0, 1), "alice")  # same text
    store.put_item("alice/book", data.card_href(1), bench_card(2, 3, data.card_uid(1)),
                   "alice")  # all other
    store.put_item("alice/book", "x.vcf", vcard(  # a new name: every sort key moves
        "x", "FN:Zofia Wójcik", "N:Wójcik;Zofia;;;", "EMAIL:l@example.com",
        "EMAIL:l@example.com", "EMAIL:l@example.com", "NOTE:a b a c"), "alice")
    store.put_item("alice/book", "x.vcf", vcard(  # fewer duplicates, no note
        "x", "FN:Zofia Wójcik", "N:Wójcik;Zofia;;;", "EMAIL:l@example.com"), "alice")
    store.put_item("alice/book", "x.vcf", vcard("x", "KIND:group", "FN:Team",
                                                "MEMBER:urn:uuid:a"), "alice")  # group
    store.put_item("alice/book", "x.vcf", vcard("x"), "alice")  # nothing left
    store.put_item("alice/book", "x.vcf", vcard("x", "FN:Back Again", "NOTE:rev"), "alice")
    store.move_item("alice/book", data.card_href(3), "alice/other", "moved.vcf", "alice")
    store.put_item("alice/other", "moved.vcf", bench_card(3, 2), "alice")
    store.delete_item("alice/book", data.card_href(4), "alice")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_changed_cards_leave_the_rows_and_matches_of_a_drop_and_insert(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = []
    with urls(backend, tmp_path) as (changed_url, dropped_url):
        for url, limit in ((changed_url, index_store.CHANGED_ROWS_LIMIT), (dropped_url, 0)):
            monkeypatch.setattr(index_store, "CHANGED_ROWS_LIMIT", limit)
            with opened(url) as store:
                story(store)
                in_step(store)
                with store.reading() as conn:
                    found.append((rows(conn), matches(conn, NEEDLES)))
    (changed_rows, changed_matches), (dropped_rows, dropped_matches) = found
    assert changed_rows == dropped_rows
    assert changed_matches == dropped_matches
    assert sum(map(len, changed_matches)) > 10  # the needles do find rows


def ids(store: Store, table: str, item: str) -> set[int]:
    with store.reading() as conn:
        return set(conn.execute(text(
            f"SELECT t.id FROM {table} t JOIN items i ON i.id = t.item_id "
            "WHERE i.href = :href"), {"href": item}).scalars())


@pytest.mark.parametrize("write", [
    lambda store, href: store.put_item("alice/book", href, bench_card(0, 1), "alice"),
    lambda store, href: store.put_items("alice/book", [(href, bench_card(0, 1))], "alice"),
], ids=["put_item", "put_items"])
def test_a_changed_note_rewrites_only_the_rows_it_changed(
        tmp_path: Path, write: Callable[[Store, str], object]) -> None:
    with opened(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        href = data.card_href(0)
        store.put_item("alice/book", href, bench_card(0, 0), "alice")
        terms, values = ids(store, "contact_terms", href), ids(store, "contact_values", href)
        write(store, href)
        new_terms = ids(store, "contact_terms", href) - terms
        new_values = ids(store, "contact_values", href) - values
        # "revision 0" -> "revision 1": the note's short word row and its NOTE value
        assert 0 < len(new_terms) <= 2 < len(terms)
        assert len(new_values) == 1 < len(values)
        in_step(store)


@pytest.mark.parametrize("limit, replaced", [(3, 3), (2, 0)])
def test_a_batch_over_the_limit_drops_and_inserts_its_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int, replaced: int) -> None:
    monkeypatch.setattr(index_store, "CHANGED_ROWS_LIMIT", limit)
    changed: list[int] = []
    replace = index_store._replace_changed
    monkeypatch.setattr(index_store, "_replace_changed", lambda conn, ident, *args: (
        changed.append(ident), replace(conn, ident, *args)))
    with opened(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        entries = [(data.card_href(index), bench_card(index, 0)) for index in range(3)]
        store.put_items("alice/book", entries, "alice")
        assert not changed
        store.put_items("alice/book", [(href, bench_card(index, 1)) for index, (href, _)
                                       in enumerate(entries)], "alice")
        assert len(set(changed)) == replaced
        in_step(store)
