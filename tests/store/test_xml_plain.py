"""``items.xml_plain`` (issue 19 target 6, round ten): a stored item's flag says whether
its text holds none of ``&<>``, so a listing copies a flagged text into its XML without
checking it. Every write sets it from the text it stores, in its own transaction;
migration 0021 sets it for the rows already stored, and ``cms-dav reindex`` again;
on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from typing import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, insert, select, text, update

from cms_dav.store import listing
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import _config as alembic_config
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.schema import collections, items
from cms_dav.store.store import Store
from cms_dav.store.xml_plain import refresh_under
from cms_dav.wsgi import multistatus_stream as ms
from tests.store.facade_cards import card, store_with_books

PLAIN = card("p", "Plain Name")
#: one card per markup character, as a NOTE says it
MARKUP = {c: card(f"m{ord(c)}", f"Tom {c} Jerry") for c in "&<>"}


@pytest.fixture
def store(database_url: str) -> Store:
    return store_with_books(database_url, "a", "b")


def flags(store: Store, book: str = "alice/a") -> dict[str, bool]:
    collection = store.collection(book)
    with store.reading() as conn:
        return {href: bool(flag) for href, flag in conn.execute(
            select(items.c.href, items.c.xml_plain)
            .where(items.c.collection_id == collection.id))}


def test_a_put_flags_a_plain_text_and_not_one_holding_any_of_the_three(store):
    store.put_item("alice/a", "p.vcf", PLAIN, "alice")
    for c, data in MARKUP.items():
        store.put_item("alice/a", f"{ord(c)}.vcf", data, "alice")
    assert flags(store) == {"p.vcf": True, "38.vcf": False, "60.vcf": False, "62.vcf": False}


def test_a_replaced_text_gets_the_flag_of_its_new_text_both_ways(store):
    store.put_item("alice/a", "x.vcf", PLAIN, "alice")
    store.put_item("alice/a", "x.vcf", dataclasses.replace(PLAIN, text=MARKUP["<"].text),
                   "alice")
    assert flags(store) == {"x.vcf": False}
    store.put_item("alice/a", "x.vcf", PLAIN, "alice")
    assert flags(store) == {"x.vcf": True}


def test_a_batch_of_new_items_flags_each_from_its_text(store):
    store.put_items("alice/a", [("p.vcf", PLAIN), ("m.vcf", MARKUP["&"]),
                                ("q.vcf", card("q", "Q"))], "alice")
    assert flags(store) == {"p.vcf": True, "m.vcf": False, "q.vcf": True}


def test_reindex_sets_the_flags_from_the_texts_under_its_path_only(store):
    store.put_item("alice/a", "p.vcf", PLAIN, "alice")
    store.put_item("alice/a", "m.vcf", MARKUP[">"], "alice")
    store.put_item("alice/b", "p.vcf", PLAIN, "alice")
    with store.writing() as conn:  # as rows stored before the flag, or by hand, may be
        conn.execute(update(items).values(xml_plain=False))
        conn.execute(update(items).where(items.c.href == "m.vcf").values(xml_plain=True))
    assert refresh_under(store, "/alice/a/") == 2
    assert flags(store, "alice/a") == {"p.vcf": True, "m.vcf": False}
    assert flags(store, "alice/b") == {"p.vcf": False}
    refresh_under(store)
    assert flags(store, "alice/b") == {"p.vcf": True}


def read_as_xml(store: Store, book: str = "alice/a") -> dict[str, bytes]:
    """The texts as a listing reads them (``listing.raw_text_column``), by href."""
    collection = store.collection(book)
    with store.reading() as conn:
        ids = [ident for (ident,) in conn.execute(
            select(items.c.id).where(items.c.collection_id == collection.id))]
    column = listing.raw_text_column(store.engine)
    return dict(listing.raw_by_ids(store, collection.id, sorted(ids), f"href, {column}"))


def test_a_listing_reads_each_text_escaped_once_whatever_its_flag(store):
    texts = {"p.vcf": PLAIN, "m.vcf": card("m", "Zoë & Ünal <a@b> 曾 > 😀 &amp;"),
             "f.vcf": card("f", "Plain, not flagged"), "g.vcf": card("g", "Tom & <Jerry>")}
    for href, data in texts.items():
        store.put_item("alice/a", href, data, "alice")
    # rows stored before the flag (or whose flag is unknown) read as "check it"
    with store.writing() as conn:
        conn.execute(update(items).where(items.c.href.in_(["f.vcf", "g.vcf"]))
                     .values(xml_plain=False))
    assert read_as_xml(store) == {href: ms.escape_bytes(data.text.encode())
                                  for href, data in texts.items()}
    assert b"&amp;amp;" in read_as_xml(store)["m.vcf"]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    upgrade_to_head(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_migration_0021_flags_the_rows_stored_before_it_from_their_texts(engine):
    command.downgrade(alembic_config(engine), "0020_disk_unused_index")
    texts = {"p.vcf": PLAIN.text, **{f"{ord(c)}.vcf": d.text for c, d in MARKUP.items()},
             "all.vcf": "NOTE:a&b<c>d\r\n", "pct.vcf": "NOTE:100% _x_\r\n"}
    with engine.begin() as conn:
        (book,) = conn.execute(insert(collections).values(
            path="b", parent_path="", tag="VADDRESSBOOK", created_at=0, modified_at=0,
            sync_epoch="e").returning(collections.c.id)).one()
        for n, (href, body) in enumerate(texts.items()):
            conn.execute(text(
                "INSERT INTO items (collection_id, href, uid, name, component, etag, text, "
                "time_start, time_end, modified_at, seq) VALUES "
                f"({book}, '{href}', 'u{n}', 'VCARD', '', 'e', :body, 0, 0, 0, {n})"),
                {"body": body})
    upgrade_to_head(engine)
    with engine.connect() as conn:
        stored = {href: bool(flag) for href, flag in
                  conn.execute(select(items.c.href, items.c.xml_plain))}
    assert stored == {"p.vcf": True, "38.vcf": False, "60.vcf": False, "62.vcf": False,
                      "all.vcf": False, "pct.vcf": True}
