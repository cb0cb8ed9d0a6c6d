"""App passwords: per-device secrets usable as a user's password (issue 15 item 2).

Revision ID: 0012_tokens
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_tokens"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_passwords",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("lookup", sa.String(32), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=True),
        sa.Column("last_used_at", sa.Float, nullable=True),
        sa.Column("revoked_at", sa.Float, nullable=True),
        sa.UniqueConstraint("user_name", "name", name="uq_app_passwords_user_name"),
    )


def downgrade() -> None:
    op.drop_table("app_passwords")
