"""Feeding the SQLite trigram tables (FTS5, migrations 0012_trigram and 0016) from the
rows they index, inside the transaction that writes those rows.

Since migration 0018_put_fts_feed an insert into ``contact_values`` / ``contact_terms``
no longer feeds its FTS table through a row trigger: the writer of a card's rows
(:func:`cms_dav.contacts.index_store.write_many`) feeds them with one
``INSERT ... SELECT`` per table and batch of cards (:func:`feed_many`), which costs
SQLite about a third of the trigger per row (issue 19: a PUT's time). Deletes and
updates still go through the triggers, so a cascade delete keeps the index in step.
A bulk load that inserts rows by other means (a backup restore) rebuilds the tables
afterwards (:func:`rebuild`), as does a full ``cms-dav reindex``. PostgreSQL has no such
tables (pg_trgm indexes the columns).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from cms_dav.store.fts_tables import SEEN as _SEEN
from cms_dav.store.fts_tables import TRIGRAM_TABLES


def present(conn: Connection, fts: str) -> bool:
    """Whether the FTS table ``fts`` exists (SQLite 3.34+ only); remembered on the
    pooled connection, so ``sqlite_master`` is read once per connection."""
    if conn.dialect.name != "sqlite":
        return False
    seen = conn.info.setdefault(_SEEN, {})
    if fts not in seen:
        seen[fts] = conn.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": fts}
        ).first() is not None
    return bool(seen[fts])


#: the statement of :func:`feed_many` per indexed table, with ``{marks}`` for the ids:
#: run on the transaction's sqlite3 connection (SQLite only), outside SQLAlchemy's
#: execution layer, which cost more than the feed of a one-card PUT (issue 19); the
#: sqlite3 module keeps the prepared statement of each text (one id: always the same)
_FEEDS = {table: f"INSERT INTO {fts}(rowid, {column}) SELECT id, {column} "
                 f"FROM {table} WHERE item_id IN ({{marks}})"
          for table, (fts, column) in TRIGRAM_TABLES.items()}
#: ids per statement of :func:`feed_many` (under SQLite's 999 host parameters)
_CHUNK = 500


def feed(conn: Connection, table: str, item_id: int) -> None:
    """Index the rows of ``table`` that item ``item_id`` has just inserted (all of them:
    call it once, after the item's rows are written)."""
    feed_many(conn, table, [item_id])


def feed_many(conn: Connection, table: str, item_ids: list[int]) -> None:
    """:func:`feed` for several items: one ``INSERT ... SELECT`` per chunk of ids."""
    if not item_ids or not present(conn, TRIGRAM_TABLES[table][0]):
        return
    driver = conn.connection.driver_connection
    for start in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[start:start + _CHUNK]
        driver.execute(  # type: ignore[union-attr]  # sqlite3's
            _FEEDS[table].format(marks=",".join("?" * len(chunk))), chunk)


#: the statement of :func:`feed_new` per indexed table, with ``{marks}`` for kept ids
_FEEDS_NEW = {table: f"INSERT INTO {fts}(rowid, {column}) SELECT id, {column} "
                     f"FROM {table} WHERE item_id = ? AND id NOT IN ({{marks}})"
              for table, (fts, column) in TRIGRAM_TABLES.items()}


def feed_new(conn: Connection, table: str, item_id: int, kept: list[int]) -> None:
    """Index the rows of ``table`` of item ``item_id`` but those of ids ``kept`` (rows
    already indexed, left in place by an update that changed only some of the item's
    rows); ``kept`` must fit in one statement's host parameters (under 999)."""
    if not present(conn, TRIGRAM_TABLES[table][0]):
        return
    driver = conn.connection.driver_connection
    driver.execute(  # type: ignore[union-attr]  # sqlite3's
        _FEEDS_NEW[table].format(marks=",".join("?" * len(kept))), [item_id, *kept])


def optimize(conn: Connection) -> None:
    """Merge each trigram table's segments into one (FTS5's ``optimize`` command).

    A bulk write (``put_items`` batches: ``cms-dav import``) leaves each table with many
    small segments; FTS5's automerge then merges them inside the COMMIT of later single
    writes, so about 3 % of the next PUTs ran 440-635 statements and 25-52 ms of CPU
    against a p50 of 8-10 ms (bench/README.md, round six, puttail). One optimize takes
    that work at once (0.33 s at 10k cards, 2.7 s at 100k)."""
    for fts, _column in TRIGRAM_TABLES.values():
        if present(conn, fts):
            conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('optimize')"))


def rebuild(conn: Connection) -> None:
    """Rebuild every trigram table from the rows it indexes (after a bulk load)."""
    for fts, _column in TRIGRAM_TABLES.values():
        if present(conn, fts):
            conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
