"""The durable outbox: events and their per-consumer deliveries (issue 15 item 4).

Revision ID: 0012_outbox
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_outbox"
down_revision = "0012_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("collection", sa.String(1024), nullable=False),
        sa.Column("href", sa.String(512), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("door", sa.String(16), nullable=False),
        sa.Column("sync_token", sa.String(160), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_outbox_events_created_at", "outbox_events", ["created_at"])
    op.create_table(
        "outbox_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer,
                  sa.ForeignKey("outbox_events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("consumer", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.Float, nullable=False),
        sa.Column("claimed_until", sa.Float, nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=False),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("last_error", sa.Text, nullable=False),
    )
    op.create_index("ix_outbox_deliveries_event_id", "outbox_deliveries", ["event_id"])
    op.create_index("ix_outbox_deliveries_due", "outbox_deliveries",
                    ["consumer", "state", "next_at"])


def downgrade() -> None:
    op.drop_table("outbox_deliveries")
    op.drop_table("outbox_events")
