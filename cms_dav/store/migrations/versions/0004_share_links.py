"""Token links expire: shares.expires_at (unix time, NULL = never, used by map shares).

Links created before this revision get 30 days from the upgrade, the default of
``[sharing] link_days``: an old link must not stay valid forever.

Revision ID: 0004
Revises: 0003
"""
import time

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DEFAULT_LINK_SECONDS = 30 * 86400


def upgrade() -> None:
    with op.batch_alter_table("shares") as batch:
        batch.add_column(sa.Column("expires_at", sa.Float, nullable=True))
    op.execute(sa.text("UPDATE shares SET expires_at = :when WHERE share_type = 'token'")
               .bindparams(when=time.time() + DEFAULT_LINK_SECONDS))


def downgrade() -> None:
    with op.batch_alter_table("shares") as batch:
        batch.drop_column("expires_at")
