"""Substring (``contains``) lookups through a trigram index instead of a LIKE scan.

Two columns are searched by substring: ``contact_values.value`` (CardDAV
addressbook-query ``text-match``, :mod:`cms_dav.contacts.dav_prefilter`) and
``contact_terms.term`` (``cms-dav search``, :mod:`cms_dav.contacts.query`). Migration
0012_trigram indexes both:

- **SQLite** (3.34 or later): an FTS5 table per column with ``tokenize='trigram'`` and
  ``detail=none`` and ``columnsize=0`` (the smallest index: which rows hold which
  trigrams, no per-row sizes; 0016_mem_fts_columnsize), its content in
  the indexed table itself (``content=``). The writer of a card's index rows feeds
  it in the same transaction (:mod:`cms_dav.store.fts`: one ``INSERT ... SELECT`` per
  card, migration 0018_put_fts_feed), triggers on the indexed table delete and update
  (the search index hook, ``cms-dav reindex``, a cascade delete). A query asks for
  the rows holding *every* trigram of the text (at most :data:`MAX_TRIGRAMS`), then
  checks the real ``LIKE`` on those rows only: the answer is exactly the scan's.
- **PostgreSQL**: a ``pg_trgm`` GIN index on each column; the planner uses it for the
  same ``LIKE '%text%'``, so queries do not change. Without the extension (it needs
  the right to ``CREATE EXTENSION``) the migration skips the index and says so; the
  scan stays correct, only slower.

Texts shorter than three characters have no trigram: they take the scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cms_dav.store.fts_tables import TRIGRAM_TABLES, present
from cms_dav.store.sql import Conn, Db, Sql, as_db, sql

if TYPE_CHECKING:
    from sqlalchemy import Table

#: SQLite FTS5 tables, by the table whose value/term column they index (migration 0012)
FTS_TABLES = {table: name for table, (name, _column) in TRIGRAM_TABLES.items()}
#: trigrams per query: enough to narrow any text to a few rows, bounded for long ones
MAX_TRIGRAMS = 12
#: first SQLite with the trigram tokenizer
SQLITE_TRIGRAM = (3, 34, 0)


def trigrams(value: str) -> list[str]:
    """The distinct trigrams of ``value`` (characters, not bytes), spread over it when
    there are more than :data:`MAX_TRIGRAMS`; empty below three characters."""
    found = list(dict.fromkeys(value[i:i + 3] for i in range(len(value) - 2)))
    if len(found) <= MAX_TRIGRAMS:
        return found
    step = (len(found) - 1) / (MAX_TRIGRAMS - 1)
    return [found[round(i * step)] for i in range(MAX_TRIGRAMS)]


def fts_query(value: str) -> str:
    """An FTS5 query for rows that hold every trigram of ``value`` (each a quoted
    string: no FTS5 syntax in the text can reach the parser)."""
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in trigrams(value))


def has_fts(conn: Conn, table: Table | str) -> bool:
    """Whether the FTS table for ``table`` exists (SQLite only); remembered on the
    pooled connection, so a look at ``sqlite_master`` happens once per connection."""
    name = table if isinstance(table, str) else table.name
    return present(as_db(conn), FTS_TABLES[name])


def narrowed(db: Db, table: str, value: str) -> Sql | None:
    """A condition restricting ``table`` (``contact_values`` or ``contact_terms``) to
    rows whose column may contain ``value`` (to be ANDed with the exact ``LIKE``), or
    None where no index helps: PostgreSQL (its planner uses pg_trgm for the LIKE
    itself), a text under three characters, an SQLite without the FTS table."""
    name = FTS_TABLES[table]
    if len(value) < 3 or not present(db, name):
        return None
    return sql(f"{table}.id IN (SELECT rowid FROM {name} WHERE {name} MATCH ?)",
               fts_query(value))


def narrowing(db: Db, table: str, value: str, condition: Sql) -> Sql:
    """``condition`` (a match of ``value`` in ``table``'s column, e.g. its ``LIKE``)
    behind the trigram index's narrowing where :func:`narrowed` gives one."""
    index = narrowed(db, table, value)
    return condition if index is None else index & condition
