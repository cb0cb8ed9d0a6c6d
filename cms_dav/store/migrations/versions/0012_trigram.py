"""Trigram indexes for substring search (issue 19, cms_dav.contacts.trigram).

SQLite: FTS5 ``tokenize='trigram'`` tables over contact_values.value and
contact_terms.term, kept in step by triggers, filled from the rows already there.
PostgreSQL: ``pg_trgm`` GIN indexes; where the extension cannot be created the
indexes are skipped with a warning (substring search then scans, as before).

Revision ID: 0012_trigram
Revises: 0011
"""
import logging
import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0012_trigram"
down_revision = "0013_push"
branch_labels = None
depends_on = None

log = logging.getLogger("cms_dav.store")

#: (indexed table, column, FTS table / index name); cms_dav.contacts.trigram.FTS_TABLES
INDEXED = (("contact_values", "value", "contact_values_trgm"),
           ("contact_terms", "term", "contact_terms_trgm"))
SQLITE_TRIGRAM = (3, 34, 0)


def _sqlite_upgrade() -> None:
    if sqlite3.sqlite_version_info < SQLITE_TRIGRAM:
        log.warning("SQLite %s has no trigram tokenizer (3.34 or later has): substring "
                    "search scans", sqlite3.sqlite_version)
        return
    for table, column, fts in INDEXED:
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
                   f"content_rowid='id', tokenize='trigram', detail=none)")
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
                   f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {column}) "
                   f"VALUES ('delete', old.id, old.{column}); END")
        op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {column}) "
                   f"VALUES ('delete', old.id, old.{column}); "
                   f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END")
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _trgm_schema(conn: sa.Connection) -> str | None:
    """The schema pg_trgm lives in, creating the extension if it is missing (in a
    savepoint: without the right to, the migration goes on without the indexes)."""
    found = conn.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
        "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")).scalar()
    if found:
        return str(found)
    try:
        with conn.begin_nested():
            # public, not the first schema on the search path: one database may hold
            # several cms_dav schemas, and the extension exists once per database
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm is not available (%s): substring search scans",
                    str(exc.orig).splitlines()[0] if exc.orig else exc)
        return None
    return "public"


def _postgres_upgrade() -> None:
    schema = _trgm_schema(op.get_bind())
    if schema is None:
        return
    for table, column, name in INDEXED:
        op.execute(f'CREATE INDEX ix_{name} ON {table} USING gin ({column} '
                   f'"{schema}".gin_trgm_ops)')


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgres_upgrade()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for _table, _column, name in INDEXED:
        if dialect == "sqlite":
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {name}")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{name}")
