"""WebDAV-Push subscriptions (issue 18 item 1).

Revision ID: 0013_push
Revises: 0012_webhooks
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_push"
down_revision = "0012_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("collection", sa.String(1024), nullable=False),
        sa.Column("push_resource", sa.String(2048), nullable=False),
        sa.Column("public_key", sa.String(256), nullable=False),
        sa.Column("auth_secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("last_sent_at", sa.Float, nullable=False),
    )
    op.create_index("ix_push_subscriptions_collection", "push_subscriptions",
                    ["collection"])
    op.create_index("ix_push_subscriptions_user", "push_subscriptions", ["user"])


def downgrade() -> None:
    op.drop_table("push_subscriptions")
