"""Write statements run as plain DB-API (cms_dav.store.raw) store what Core stores, in
the caller's transaction, and fail with SQLAlchemy's exceptions, on both backends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from cms_dav.store.engine import open_engine, read_tx, write_tx
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store import raw
from cms_dav.store.raw import RawStatement
from cms_dav.store.schema import collections, contact_cards, items


def _engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = open_engine(database_url)
    upgrade_to_head(engine)
    return engine


def _book_and_item(conn) -> int:  # type: ignore[no-untyped-def]
    cid = conn.execute(collections.insert().values(
        path="alice/book", parent_path="alice", tag="VADDRESSBOOK", created_at=1.0,
        modified_at=1.0, sync_epoch="e").returning(collections.c.id)).scalar_one()
    return int(cid)


def _item(conn, cid: int, href: str) -> int:  # type: ignore[no-untyped-def]
    return int(conn.execute(items.insert().values(
        collection_id=cid, href=href, uid=href, name="VCARD", component="", etag='"e"',
        text="x", modified_at=1.0, seq=1).returning(items.c.id)).scalar_one())


def test_a_raw_insert_stores_the_row_core_stores_for_the_same_values(database_url):
    engine = _engine(database_url)
    with write_tx(engine) as conn:
        cid = _book_and_item(conn)
        core_id, raw_id = _item(conn, cid, "a.vcf"), _item(conn, cid, "b.vcf")
        given = {"collection_id": cid, "href": "x", "etag": '"e"', "values_ok": True,
                 "birthday": 1224, "follow_up": date(2026, 12, 24), "fields_ok": False}
        conn.execute(contact_cards.insert(), [{**given, "item_id": core_id}])
        RawStatement(contact_cards.insert()).execute(conn, {**given, "item_id": raw_id})
    with read_tx(engine) as conn:
        rows = conn.execute(select(contact_cards).order_by(contact_cards.c.item_id)).all()
    core, raw = (dict(row._mapping) for row in rows)
    assert {**raw, "item_id": core_id} == core
    assert raw["follow_up"] == date(2026, 12, 24) and raw["kind"] == "individual"


def test_many_raw_rows_are_bound_as_core_binds_them_column_by_column(database_url):
    """Each row's values go through the types' bind processors where a column has one
    (a Decimal for a Float column: the driver alone refuses it), None left as it is."""
    engine = _engine(database_url)
    given = [{"href": "x", "etag": '"e"', "values_ok": True, "birthday": 1224,
              "follow_up": date(2026, 12, 24), "fields_ok": False,
              "last_contacted": Decimal("1.5")},
             {"href": "y", "etag": '"f"', "values_ok": False, "birthday": None,
              "follow_up": None, "fields_ok": True, "last_contacted": None},
             {"href": "z", "etag": '"g"', "values_ok": True, "birthday": 101,
              "follow_up": date(2027, 1, 1), "fields_ok": True,
              "last_contacted": Decimal("2.25")}]
    with write_tx(engine) as conn:
        cid = _book_and_item(conn)
        core_ids = [_item(conn, cid, f"c{n}.vcf") for n in range(3)]
        raw_ids = [_item(conn, cid, f"r{n}.vcf") for n in range(3)]
        conn.execute(contact_cards.insert(), [{**row, "collection_id": cid, "item_id": ident}
                                              for row, ident in zip(given, core_ids, strict=True)])
        RawStatement(contact_cards.insert()).execute_many(
            conn, [{**row, "collection_id": cid, "item_id": ident}
                   for row, ident in zip(given, raw_ids, strict=True)])
    with read_tx(engine) as conn:
        rows = [dict(row._mapping) for row in conn.execute(
            select(contact_cards).order_by(contact_cards.c.item_id)).all()]
    core, raw = rows[:3], rows[3:]
    assert [{**row, "item_id": 0} for row in raw] == [{**row, "item_id": 0} for row in core]
    assert [row["follow_up"] for row in raw] == [date(2026, 12, 24), None, date(2027, 1, 1)]
    assert [row["fields_ok"] for row in raw] == [False, True, True]
    assert [row["last_contacted"] for row in raw] == [1.5, None, 2.25]


def test_a_raw_statement_is_undone_with_the_transaction_it_ran_in(database_url):
    engine = _engine(database_url)
    with write_tx(engine) as conn:
        cid = _book_and_item(conn)
    bump = RawStatement(update(collections).where(collections.c.id == bindparam("cid"))
                        .values(sync_seq=collections.c.sync_seq + 1)
                        .returning(collections.c.sync_seq))
    with pytest.raises(RuntimeError), write_tx(engine) as conn:
        assert bump.execute(conn, {"cid": cid}) == [(1,)]
        raise RuntimeError("leave the transaction")
    with read_tx(engine) as conn:
        assert conn.execute(select(collections.c.sync_seq)).scalar_one() == 0


def _item_row(collection_id: int) -> dict[str, object]:
    """An items row for ``a.vcf`` (UID ``u``) in the collection ``collection_id``."""
    return {"collection_id": collection_id, "href": "a.vcf", "uid": "u", "name": "VCARD",
            "component": "", "etag": '"e"', "text": "x", "modified_at": 1.0, "seq": 1}


def test_a_raw_statement_refused_by_a_constraint_raises_sqlalchemys_integrity_error(
        database_url):
    engine = _engine(database_url)
    insert = RawStatement(items.insert())
    with write_tx(engine) as conn:
        cid = _book_and_item(conn)
        row = _item_row(cid)
        insert.execute(conn, row)
        with pytest.raises(IntegrityError), conn.begin_nested():
            insert.execute(conn, {**row, "href": "b.vcf"})  # the same UID
        insert.execute_many(conn, [{**row, "href": "c.vcf", "uid": "c"},
                                   {**row, "href": "d.vcf", "uid": "d"}])
    with read_tx(engine) as conn:
        assert conn.execute(select(items.c.href).order_by(items.c.href)).scalars().all() \
            == ["a.vcf", "c.vcf", "d.vcf"]


def test_an_error_inside_a_raw_savepoint_undoes_only_that_block(database_url):
    engine = _engine(database_url)
    insert = RawStatement(items.insert())
    with write_tx(engine) as conn:
        cid = _book_and_item(conn)
        row = _item_row(cid)
        with raw.savepoint(conn):
            insert.execute(conn, row)
        with pytest.raises(IntegrityError), raw.savepoint(conn):
            insert.execute(conn, {**row, "href": "b.vcf", "uid": "v"})
            insert.execute(conn, {**row, "href": "c.vcf"})  # the same UID as a.vcf
        insert.execute(conn, {**row, "href": "d.vcf", "uid": "d"})
    with read_tx(engine) as conn:
        assert conn.execute(select(items.c.href).order_by(items.c.href)).scalars().all() \
            == ["a.vcf", "d.vcf"]


def _terms_written(database_url: str, names: tuple[str, ...], count: int
                   ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """contact_terms rows written from dicts and from tuples of ``names`` (two items,
    ``count`` rows each), as (by dicts, by tuples) with the item id left out."""
    from cms_dav.store.schema import contact_terms
    engine = _engine(database_url)
    statement = RawStatement(contact_terms.insert())
    with write_tx(engine) as conn:
        cid = _book_and_item(conn)
        by_dicts, by_tuples = _item(conn, cid, "a.vcf"), _item(conn, cid, "b.vcf")
        made = [{"collection_id": cid, "field": "fn", "term": f"t{n} é"}
                for n in range(count)]
        statement.execute_many(conn, [{**row, "item_id": by_dicts} for row in made])
        statement.execute_tuples(conn, names, [
            tuple({**row, "item_id": by_tuples}[name] for name in names) for row in made])
    with read_tx(engine) as conn:
        found = conn.execute(select(contact_terms).order_by(contact_terms.c.term)).all()
    rows = [dict(row._mapping) for row in found]
    return ([tuple(v for k, v in row.items() if k not in ("item_id", "id"))
             for row in rows if row["item_id"] == by_dicts],
            [tuple(v for k, v in row.items() if k not in ("item_id", "id"))
             for row in rows if row["item_id"] == by_tuples])


def test_rows_given_as_tuples_in_the_bound_order_store_what_dicts_store(database_url):
    dicts, tuples = _terms_written(database_url,
                                   ("item_id", "collection_id", "field", "term"), 3)
    assert tuples == dicts and len(dicts) == 3


def test_rows_given_as_tuples_in_another_order_store_what_dicts_store(database_url):
    dicts, tuples = _terms_written(database_url,
                                   ("term", "field", "collection_id", "item_id"), 3)
    assert tuples == dicts and len(dicts) == 3


def test_a_single_row_given_as_a_tuple_stores_what_a_dict_stores(database_url):
    dicts, tuples = _terms_written(database_url,
                                   ("item_id", "collection_id", "field", "term"), 1)
    assert tuples == dicts and len(dicts) == 1
