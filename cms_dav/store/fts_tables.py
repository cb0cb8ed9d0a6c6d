"""The SQLite trigram tables (FTS5, migrations 0012_trigram and 0016) by the table they
index, and whether one exists, without SQLAlchemy: the search's read side needs them
on the standard library's ``sqlite3`` too (:mod:`cms_dav.store.sql`); the feeding and
rebuilding of the tables is :mod:`cms_dav.store.fts`."""

from __future__ import annotations

from cms_dav.store.sql import Db, first, sql

#: indexed table -> (its FTS5 table, the indexed column); cms_dav.contacts.trigram
TRIGRAM_TABLES = {"contact_values": ("contact_values_trgm", "value"),
                  "contact_terms": ("contact_terms_trgm", "term")}
#: the connection's ``info`` key of the tables seen (shared with :func:`fts.present`)
SEEN = "cms_dav.trigram"


def present(db: Db, fts: str) -> bool:
    """Whether the FTS table ``fts`` exists (SQLite 3.34+ only); remembered on the
    connection, so ``sqlite_master`` is read once per connection."""
    if db.dialect != "sqlite":
        return False
    seen = db.info.setdefault(SEEN, {})
    if fts not in seen:
        seen[fts] = first(db, sql("SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?",
                                  "table", fts)) is not None
    return bool(seen[fts])
