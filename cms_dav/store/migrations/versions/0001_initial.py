"""Initial schema: collections, items, change log, history, audit, shares.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String(1024), nullable=False, unique=True),
        sa.Column("parent_path", sa.String(1024), nullable=False, index=True),
        sa.Column("tag", sa.String(16), nullable=False),
        sa.Column("props", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("modified_at", sa.Float, nullable=False),
        sa.Column("sync_seq", sa.BigInteger, nullable=False),
        sa.Column("sync_floor", sa.BigInteger, nullable=False),
        sa.Column("sync_epoch", sa.String(32), nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("collection_id", sa.Integer,
                  sa.ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("href", sa.String(512), nullable=False),
        sa.Column("uid", sa.String(512), nullable=False),
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("component", sa.String(16), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("time_start", sa.BigInteger, nullable=False),
        sa.Column("time_end", sa.BigInteger, nullable=False),
        sa.Column("modified_at", sa.Float, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("collection_id", "href", name="uq_items_href"),
        sa.UniqueConstraint("collection_id", "uid", name="uq_items_uid"),
    )
    op.create_index("ix_items_time", "items", ["collection_id", "time_start", "time_end"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("collection_id", sa.Integer,
                  sa.ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("href", sa.String(512), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_changes_seq", "changes", ["collection_id", "seq"])
    op.create_table(
        "history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("collection_path", sa.String(1024), nullable=False, index=True),
        sa.Column("href", sa.String(512), nullable=False),
        sa.Column("uid", sa.String(512), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.Float, nullable=False, index=True),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(1024), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("share_type", sa.String(8), nullable=False),
        sa.Column("path_or_token", sa.String(1024), nullable=False),
        sa.Column("path_mapped", sa.String(1024), nullable=False),
        sa.Column("conversion", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("user_name", sa.String(256), nullable=False),
        sa.Column("permissions", sa.String(32), nullable=False),
        sa.Column("enabled_by_owner", sa.Boolean, nullable=False),
        sa.Column("enabled_by_user", sa.Boolean, nullable=False),
        sa.Column("hidden_by_owner", sa.Boolean, nullable=False),
        sa.Column("hidden_by_user", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("actions", sa.Text, nullable=False),
        sa.UniqueConstraint("share_type", "path_or_token", "user_name", name="uq_shares"),
    )
    op.create_index("ix_shares_mapped", "shares", ["path_mapped"])
    op.create_index("ix_shares_user", "shares", ["user_name"])
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("store_meta", "shares", "audit", "history", "changes", "items",
                  "collections"):
        op.drop_table(table)
