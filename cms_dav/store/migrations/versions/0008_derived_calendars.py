"""Per-user preferences and the input fingerprints of server-generated calendars
(issue 13: birthday and follow-up calendars).

Revision ID: 0008
Revises: 0006 (the lead chains it after 0007 at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_name", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "derived_state",
        sa.Column("path", sa.String(1024), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("refreshed_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("derived_state")
    op.drop_table("user_preferences")
