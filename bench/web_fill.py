"""A faster fill for bench.web_pages at 100,000 cards: PUT a tenth (or 1/``times``) of
the cards through HTTP, then copy the indexed book ``times`` over inside SQLite (server
stopped) under new hrefs and UIDs: items, contact_cards, contact_terms,
contact_sorted_terms, contact_values and contact_field_values (the trigram tables are
rebuilt once at the end). Each copy is an exact twin of an indexed card (same fields,
same search rows), which is what the web pages read; the sync log and history are not
copied (the web pages do not read them). On this shared machine a 100,000-card PUT would
take over an hour of CPU: the indexing is per card, not what is measured.

The FTS5 trigram tables are rebuilt once at the end (``'rebuild'``), in the same
transaction: one pass over the indexed rows. The server that made the database has
migrated it to the head, where the tables have no insert triggers (0018_put_fts_feed:
the server feeds them from its index writer), so the copies go in unindexed until
then."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cms_dav.store.fts import TRIGRAM_TABLES

#: copied per table: the columns rewritten for copy ``k`` (others copied as they are)
_REWRITE = {
    "items": {"id": "id + :shift", "href": "'r' || :k || '-' || href",
              "uid": "'r' || :k || '-' || uid",
              "text": "replace(text, 'UID:' || uid, 'UID:r' || :k || '-' || uid)"},
    "contact_cards": {"item_id": "item_id + :shift", "href": "'r' || :k || '-' || href",
                      "uid": "'r' || :k || '-' || uid"},
    "contact_terms": {"id": "NULL", "item_id": "item_id + :shift"},
    "contact_sorted_terms": {"item_id": "item_id + :shift", "href": "'r' || :k || '-' || href"},
    "contact_values": {"id": "NULL", "item_id": "item_id + :shift"},
    "contact_field_values": {"id": "NULL", "item_id": "item_id + :shift"},
}


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def replicate(database: Path, book: str, times: int) -> int:
    """Make the book at path ``book`` (no slashes around) hold ``times`` copies of its
    cards; returns its card count."""
    db = sqlite3.connect(database)
    try:
        (book_id,) = db.execute("SELECT id FROM collections WHERE path = ?", (book,)).fetchone()
        (top,) = db.execute("SELECT max(id) FROM items").fetchone()
        with db:
            db.execute("BEGIN")  # the copies and the rebuild: nothing half-done on a failure
            for k in range(1, times):
                for table, rewrite in _REWRITE.items():
                    columns = _columns(db, table)
                    if not columns:
                        continue
                    source = table if table == "items" else (
                        f"{table} JOIN items ON items.id = {table}.item_id")
                    picked = ", ".join(
                        _qualified(table, rewrite.get(c, c), columns) for c in columns)
                    db.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picked} "
                               f"FROM {source} WHERE items.collection_id = :book "
                               f"AND items.id <= :top",
                               {"shift": k * top, "k": k, "book": book_id, "top": top})
            for fts, _column in TRIGRAM_TABLES.values():
                if _exists(db, fts):
                    db.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            (count,) = db.execute("SELECT count(*) FROM items WHERE collection_id = ?",
                                  (book_id,)).fetchone()
            db.execute("UPDATE collections SET item_count = ? WHERE id = ?", (count, book_id))
        db.execute("PRAGMA optimize")
        return int(count)
    finally:
        db.close()


def _exists(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def _qualified(table: str, expression: str, columns: list[str]) -> str:
    """``expression`` with the table's own columns qualified (the join adds items')."""
    words = expression.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split(" ")
    return " ".join(f"{table}.{w}" if w in columns else w for w in words)
