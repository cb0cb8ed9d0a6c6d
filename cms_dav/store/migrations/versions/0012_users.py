"""Users in the database, so every node sees a ``cms-dav user add`` at once (issue 17).

Revision ID: 0012_users
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_users"
down_revision = "0012_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("password_hash", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("changed_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("users")
