"""The SQLite trigram tables without their per-row size table (issue 19 target 7).

FTS5 keeps a ``<table>_docsize`` row per indexed row for ranking (bm25) and
``xColumnSize``; the substring search only asks which rows hold every trigram, so
``columnsize=0`` drops that table: about 8 % of a 1,000-card database. The FTS tables
are re-created with the option and rebuilt from the rows they index; triggers as in
0012_trigram. PostgreSQL (pg_trgm indexes) is unchanged.

Revision ID: 0016_mem_fts_columnsize
Revises: 0015_contact_sort
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_mem_fts_columnsize"
down_revision = "0015_contact_sort"
branch_labels = None
depends_on = None

#: (indexed table, column, FTS table); cms_dav.contacts.trigram.FTS_TABLES
INDEXED = (("contact_values", "value", "contact_values_trgm"),
           ("contact_terms", "term", "contact_terms_trgm"))


def _recreate(options: str) -> None:
    conn = op.get_bind()
    for table, column, fts in INDEXED:
        exists = conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = :name"),
                              {"name": fts}).first()
        if exists is None:  # SQLite without the trigram tokenizer: 0012 made none
            continue
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE {fts}")
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
                   f"content_rowid='id', tokenize='trigram', {options})")
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate("detail=none, columnsize=0")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate("detail=none")
