"""The SQLite trigram tables fed by their writer, not by a trigger per inserted row
(issue 19: a PUT's time).

The insert triggers of 0012_trigram/0016 ran one FTS5 insert per ``contact_values`` /
``contact_terms`` row; :func:`cms_dav.store.fts.feed` now indexes a card's rows with
one ``INSERT ... SELECT`` per table in the same transaction, about a third of the cost.
The delete and update triggers stay (cascade deletes). The FTS content is not touched:
it is already in step with the rows. PostgreSQL (pg_trgm indexes) is unchanged.

Revision ID: 0018_put_fts_feed
Revises: 0017_web_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_put_fts_feed"
down_revision = "0017_web_sessions"
branch_labels = None
depends_on = None

#: (indexed table, column, FTS table); cms_dav.store.fts.TRIGRAM_TABLES
INDEXED = (("contact_values", "value", "contact_values_trgm"),
           ("contact_terms", "term", "contact_terms_trgm"))


def _has(fts: str) -> bool:
    return op.get_bind().execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = :name"),
                                 {"name": fts}).first() is not None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for _table, _column, fts in INDEXED:
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, fts in INDEXED:
        if _has(fts):  # SQLite without the trigram tokenizer: 0012 made none
            op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
                       f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END")
