"""Webhook endpoints and their delivery log (issue 15 item 4).

Revision ID: 0012_webhooks
Revises: 0012_outbox
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_webhooks"
down_revision = "0012_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("events", sa.Text, nullable=False),
        sa.Column("collection", sa.String(1024), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("failed_events", sa.Integer, nullable=False),
        sa.Column("disabled_at", sa.Float, nullable=True),
        sa.Column("disabled_reason", sa.String(256), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("endpoint_id", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("event_kind", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("error", sa.String(512), nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
    )
    op.create_index("ix_webhook_attempts_endpoint", "webhook_attempts",
                    ["endpoint_id", "id"])


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_endpoints")
