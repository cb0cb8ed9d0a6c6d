"""``Store.put_items`` writes a batch's new items together (one INSERT, one update of
the collection's counters: ``items.NewItems``, issue 19 target 5) and leaves every
table as writing them one by one does, refusals included, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import pytest
from sqlalchemy import select

from cms_dav.config import Limits
from cms_dav.store import items
from cms_dav.store.records import ItemData, WriteResult
from cms_dav.store.schema import audit, changes, collections, history
from cms_dav.store.schema import items as item_rows
from cms_dav.store.store import Store
from tests.store.facade_cards import card, store_with_books

#: the clock's columns and the rows' own ids: not the write's content
VOLATILE = {"id", "at", "modified_at", "created_at", "sync_epoch", "collection_id"}
LIMIT = 12


@pytest.fixture
def store(database_url: str) -> Store:
    made = store_with_books(database_url, "grouped", "each")
    made.limits = dataclasses.replace(Limits(), max_items_per_collection=LIMIT,
                                      max_item_bytes=400)
    return made


def _long(uid: str) -> ItemData:
    """A card past ``[limits] max_item_bytes``: refused before anything is written."""
    return card(uid, "x" * 500)


#: batches in order: new items, updates of stored ones and of ones new earlier in the
#: same batch, a card past the limits, a UID another item holds, then the quota
BATCHES: list[list[tuple[str, ItemData]]] = [
    [("a.vcf", card("a", "A")), ("b.vcf", card("b", "B")), ("s.vcf", card("s", "S2")),
     ("c.vcf", card("c", "C")), ("a.vcf", card("a", "A2")), ("big.vcf", _long("big")),
     ("d.vcf", card("d", "D")), ("b.vcf", card("b", "B2")), ("e.vcf", card("e", "E"))],
    [("f.vcf", card("f", "F")), ("twin.vcf", card("c", "Same UID as c")),
     ("g.vcf", card("g", "G"))],
    [(f"q{n}.vcf", card(f"q{n}", f"Q{n}")) for n in range(6)]
    + [("a.vcf", card("a", "A3")), ("q9.vcf", card("q9", "Q9"))],
]


def _answers(results: Sequence[WriteResult | ValueError]) -> list[Any]:
    return [(r.new.href, r.new.etag, r.old.etag if r.old else None, r.modified)
            if isinstance(r, WriteResult) else type(r) for r in results]


def _count_groups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the batches ``Store.put_items`` tries to write grouped from now on."""
    groups: list[int] = []
    write_rows = Store._put_rows

    def counted(self: Store, *args: Any, grouped: bool) -> Any:
        if grouped:
            groups.append(len(args[3]))  # conn, origin, record, entries...
        return write_rows(self, *args, grouped=grouped)
    monkeypatch.setattr(Store, "_put_rows", counted)
    return groups


def _last_write_time(store: Store, book: str) -> float:
    """The newest item's time: the collection's own, as its last stored write set it."""
    record = store.collection(f"alice/{book}")
    with store.reading() as conn:
        return max(conn.execute(select(item_rows.c.modified_at).where(
            item_rows.c.collection_id == record.id)).scalars())


def _book_rows(store: Store, book: str) -> dict[str, Any]:
    path = f"alice/{book}"
    record = store.collection(path)
    found: dict[str, Any] = {}
    with store.reading() as conn:
        for table, where in ((item_rows, item_rows.c.collection_id == record.id),
                             (changes, changes.c.collection_id == record.id),
                             (history, history.c.collection_path == path),
                             (audit, audit.c.collection == path),
                             (collections, collections.c.id == record.id)):
            columns = [c for c in table.columns if c.name not in VOLATILE]
            rows = conn.execute(select(*columns).where(where).order_by(table.c.id)).all()
            found[table.name] = [tuple(str(v).replace(path, "BOOK") for v in row)
                                 for row in rows]
    return found


def test_a_grouped_batch_answers_and_leaves_every_table_as_one_by_one(
        store: Store, monkeypatch: pytest.MonkeyPatch):
    groups = _count_groups(monkeypatch)
    answers: dict[str, list[Any]] = {}
    for book, grouped in (("grouped", True), ("each", False)):
        store.group_inserts = grouped
        store.put_item(f"alice/{book}", "s.vcf", card("s", "Stored"), "alice")
        answers[book] = []
        for batch in BATCHES:
            answers[book].append(_answers(store.put_items(f"alice/{book}", batch, "alice")))
            assert _last_write_time(store, book) == \
                store.collection(f"alice/{book}").modified_at
    assert answers["grouped"] == answers["each"]
    assert groups == [len(BATCHES[0])]  # the others (a UID taken, the quota): not tried
    refusals = {a for batch in answers["each"] for a in batch if isinstance(a, type)}
    assert {items.UidConflict, items.TooManyItems} < refusals  # and the long card's
    assert _book_rows(store, "grouped") == _book_rows(store, "each")


def test_a_grouped_batch_s_new_items_carry_their_row_ids(store: Store):
    results = store.put_items("alice/grouped", [("a.vcf", card("a", "A")),
                                                ("b.vcf", card("b", "B"))], "alice")
    with store.reading() as conn:
        stored = dict(conn.execute(select(item_rows.c.href, item_rows.c.id)).all())
    assert [r.new.id for r in results if isinstance(r, WriteResult)] == \
        [stored["a.vcf"], stored["b.vcf"]]


def test_a_full_collection_refuses_the_new_items_past_its_quota_and_keeps_updates(
        store: Store):
    batch = [(f"n{n}.vcf", card(f"n{n}", f"N{n}")) for n in range(LIMIT + 2)]
    results = store.put_items("alice/grouped", batch + [("n0.vcf", card("n0", "again"))],
                              "alice")
    assert [type(r) for r in results] == [WriteResult] * LIMIT + \
        [items.TooManyItems] * 2 + [WriteResult]
    assert store.collection("alice/grouped").sync_seq == LIMIT + 1


def _to_taken_uid(conn: Any, collection: Any, old: Any, data: ItemData, *, actor: str,
                  attested: bool) -> ItemData:
    """An upload filter giving card "renamed" the UID of card "a" (what only the write
    itself can see: the batch's check before it passes)."""
    return dataclasses.replace(data, uid="a") if data.uid == "renamed" else data


def test_a_uid_an_upload_filter_gives_away_is_refused_for_that_item_only(
        store: Store, monkeypatch: pytest.MonkeyPatch):
    tried: list[str] = []
    write_rows = Store._put_rows

    def tracked(self: Store, *args: Any, grouped: bool) -> Any:
        if grouped:
            tried.append("group")
        return write_rows(self, *args, grouped=grouped)  # grouped: NotGrouped (UID taken)
    monkeypatch.setattr(Store, "_put_rows", tracked)
    store.upload_filters = (_to_taken_uid,)
    answers = {}
    for book, grouped in (("grouped", True), ("each", False)):
        store.group_inserts = grouped
        store.put_item(f"alice/{book}", "a.vcf", card("a", "A"), "alice")
        answers[book] = _answers(store.put_items(
            f"alice/{book}", [("b.vcf", card("b", "B")), ("r.vcf", card("renamed", "R")),
                              ("c.vcf", card("c", "C"))], "alice"))
    assert tried == ["group"]  # tried once, then written item by item
    assert answers["grouped"] == answers["each"]
    assert [a if isinstance(a, type) else WriteResult for a in answers["each"]] == \
        [WriteResult, items.UidConflict, WriteResult]
    assert _book_rows(store, "grouped") == _book_rows(store, "each")
