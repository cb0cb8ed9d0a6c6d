"""``items.xml_plain``: the item's text holds none of ``&<>`` (issue 19 target 6: a
listing of the texts copies a plain text into its XML without checking it at read time;
cms_dav.store.xml_plain).

The column is added false ("check it when read", always correct), then every row's
flag is set from its text in one UPDATE (LIKE on both backends: ``&<>`` are no
wildcards). Rows written by this version carry the flag from their write transaction;
``cms-dav reindex`` sets it again from the texts.

Downgrade drops the column (in place).

Revision ID: 0021_items_xml_plain
Revises: 0020_disk_unused_index
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_items_xml_plain"
down_revision = "0020_disk_unused_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("xml_plain", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.execute("UPDATE items SET xml_plain = (text NOT LIKE '%&%' AND text NOT LIKE '%<%' "
               "AND text NOT LIKE '%>%')")


def downgrade() -> None:
    # ALTER TABLE DROP COLUMN (SQLite 3.35+), not a batch copy of the table: the copy's
    # DROP TABLE meets the search index's triggers and open readers ("table is locked")
    op.drop_column("items", "xml_plain")
