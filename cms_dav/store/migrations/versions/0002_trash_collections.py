"""Trash for deleted collections.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trash_collections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String(1024), nullable=False, index=True),
        sa.Column("tag", sa.String(16), nullable=False),
        sa.Column("props", sa.Text, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("deleted_at", sa.Float, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("trash_collections")
