"""The contact index follows every write, in the write's own transaction (both backends)."""

from __future__ import annotations

from sqlalchemy import delete, event, select

from cms_dav.contacts.index_hook import reindex
from cms_dav.store.records import WriteResult
from cms_dav.store.schema import contact_cards, contact_terms, contact_values
from tests.contacts.index_support import book, card_data, open_test_store, vcard


def terms(store, field):
    with store.reading() as conn:
        return sorted(t for (t,) in conn.execute(
            select(contact_terms.c.term).where(contact_terms.c.field == field)))


def card_rows(store):
    with store.reading() as conn:
        return [(r.href, r.fn, r.fields_ok) for r in conn.execute(
            select(contact_cards).order_by(contact_cards.c.href))]


def test_put_indexes_names_emails_and_phones(tmp_path, database_url):
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/book")
    text = vcard("u1", "Łukasz Wójcik", "EMAIL:Lukasz@Example.PL", "TEL:600 100 200")
    store.put_item("alice/book", "u1.vcf", card_data(text, "u1"), "alice")
    assert "lukasz wojcik" in terms(store, "name")
    assert terms(store, "email") == ["lukasz@example.pl"]
    assert "+48600100200" in terms(store, "phone")


def test_replace_drops_the_old_terms(tmp_path, database_url):
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/book")
    store.put_item("alice/book", "u1.vcf", card_data(vcard("u1", "Anna Nowak"), "u1"), "alice")
    store.put_item("alice/book", "u1.vcf", card_data(vcard("u1", "Anna Kowalska"), "u1"), "alice")
    assert "kowalska" in terms(store, "name") and "nowak" not in terms(store, "name")
    assert card_rows(store) == [("u1.vcf", "Anna Kowalska", True)]


def test_delete_removes_every_index_row(tmp_path, database_url):
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/book")
    store.put_item("alice/book", "u1.vcf", card_data(vcard("u1", "Anna Nowak"), "u1"), "alice")
    store.delete_item("alice/book", "u1.vcf", "alice")
    with store.reading() as conn:
        left = [conn.execute(select(t)).all()
                for t in (contact_terms, contact_cards, contact_values)]
    assert left == [[], [], []]


def test_move_indexes_the_card_under_its_new_book(tmp_path, database_url):
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/book")
    book(store, "alice/other")
    store.put_item("alice/book", "u1.vcf", card_data(vcard("u1", "Anna Nowak"), "u1"), "alice")
    store.move_item("alice/book", "u1.vcf", "alice/other", "u1.vcf", "alice")
    other = store.collection("alice/other")
    with store.reading() as conn:
        books = {r.collection_id for r in conn.execute(select(contact_cards))}
    assert books == {other.id}


def test_card_the_contacts_layer_cannot_read_is_stored_and_listed_by_href(tmp_path):
    store = open_test_store(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    book(store, "alice/book")
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:b\r\nFN:Broken\r\nno colon here\r\nEND:VCARD\r\n"
    store.put_item("alice/book", "b.vcf", card_data(broken, "b"), "alice")
    assert store.item_text(store.collection("alice/book").id, "b.vcf") == broken
    assert card_rows(store) == [("b.vcf", "", False)]


def test_reindex_rebuilds_rows_lost_or_missing(tmp_path):
    store = open_test_store(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    book(store, "alice/book")
    store.put_item("alice/book", "u1.vcf", card_data(vcard("u1", "Anna Nowak"), "u1"), "alice")
    with store.writing() as conn:
        for table in (contact_terms, contact_values, contact_cards):
            conn.execute(delete(table))
    assert reindex(store, "PL", "alice") == 1
    assert "nowak" in terms(store, "name")


def _statements_during(store, action):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return seen


def test_index_hooks_take_the_row_id_from_the_write(tmp_path, database_url):
    """The write returns the item's row id (insert and update alike): the index hooks
    index that row without looking its id up again."""
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/book")
    for name in ("Anna Nowak", "Anna Kowalska"):  # a new card, then its replacement
        done: list[WriteResult] = []

        def write(name: str = name, done: list[WriteResult] = done) -> None:
            done.append(store.put_item("alice/book", "u1.vcf",
                                       card_data(vcard("u1", name), "u1"), "alice"))

        seen = _statements_during(store, write)
        with store.reading() as conn:
            row_id = conn.execute(select(contact_cards.c.item_id)).scalar_one()
        assert done[0].new.id == row_id
        assert not [s for s in seen if s.startswith("SELECT items.id FROM items")]
    assert card_rows(store) == [("u1.vcf", "Anna Kowalska", True)]


def test_a_new_cards_write_takes_no_savepoint_and_deletes_nothing(tmp_path):
    """A new card has no index or field rows to drop, and a refused insert is undone
    with the write's own transaction (issue 19: statements per PUT)."""
    store = open_test_store(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    book(store, "alice/book")
    seen: list[str] = []

    @event.listens_for(store.engine, "connect")
    def trace(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(seen.append)

    store.engine.dispose()  # every connection from now on is traced
    store.put_item("alice/book", "u1.vcf", card_data(vcard("u1", "Anna Nowak"), "u1"),
                   "alice")
    assert any(s.startswith("INSERT INTO items") for s in seen)
    assert not [s for s in seen if s.startswith(("SAVEPOINT", "DELETE"))]
