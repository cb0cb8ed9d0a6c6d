"""A database indexed before issue 19's note rows (one ``contact_terms`` row per note
word) answers every search as one indexed now (a few rows per note): no reindex is
needed after the change, only for the smaller index."""

from __future__ import annotations

from pathlib import Path

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from cms_dav.contacts.query import Book, search
from tests.contacts.index_support import book, card_data, vcard

NOTES = ["met zoologists at the zoo; visiting again, na", "visit", "Zoo visit, 18:54 UTC",
         "na targach, 客户 since 2021"]
QUERIES = ["visit", "vis", "isi", "zoo", "zo", "na", "n", "18", "note:vis", "note:na",
           "note:zoo", "zoologists", '"zoo visit"', "targach", "客户", "2021", "utc"]


def _ranked(app: App, text: str, limit: int | None) -> list[tuple[str, float]]:
    found = app.store.collection("alice/one")
    assert found is not None
    with app.store.reading() as conn:
        return [(c.href, c.score)
                for c in search(conn, [Book(found.id, found.path)], text, limit=limit)]


def _answers(app: App) -> list[list[list[tuple[str, float]]]]:
    return [[_ranked(app, q, n) for n in (1, 2, None)] for q in QUERIES]


def _split_note_rows(app: App) -> None:
    """Rewrite every note row as the rows of its words, as the index kept them before."""
    with app.store.writing() as conn:
        driver = conn.connection.driver_connection
        rows = driver.execute(  # type: ignore[union-attr]
            "SELECT id, item_id, collection_id, term FROM contact_terms WHERE field = 'note'"
        ).fetchall()
        for ident, item_id, collection_id, term in rows:
            driver.execute("DELETE FROM contact_terms WHERE id = ?", (ident,))  # type: ignore[union-attr]
            for word in term.split(" "):
                cursor = driver.execute(  # type: ignore[union-attr]
                    "INSERT INTO contact_terms (item_id, collection_id, field, term) "
                    "VALUES (?, ?, 'note', ?)", (item_id, collection_id, word))
                driver.execute(  # type: ignore[union-attr]
                    "INSERT INTO contact_terms_trgm(rowid, term) VALUES (?, ?)",
                    (cursor.lastrowid, word))


def test_word_by_word_note_rows_give_the_same_answers(tmp_path: Path) -> None:
    app = build_app(load_settings(tmp_path))
    try:
        app.store.replace_collection("alice", {}, [], "admin")
        book(app.store, "alice/one")
        for number, note in enumerate(NOTES):
            app.store.put_item("alice/one", f"c{number}.vcf", card_data(
                vcard(f"c{number}", f"Person {number}", f"NOTE:{note}"), f"c{number}"),
                "alice")
        joined = _answers(app)
        _split_note_rows(app)
        assert _answers(app) == joined
    finally:
        app.close()

