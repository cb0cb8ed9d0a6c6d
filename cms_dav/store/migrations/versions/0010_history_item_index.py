"""An index on one item's versions (collection path, href, id) for ``cms-dav history``
and housekeeping's "keep the newest N per item" (issue 13 items 4-5). Without it both
read every version of the item's collection: with 100k versions in one address book,
pruning 50k took minutes.

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_history_item", "history", ["collection_path", "href", "id"])


def downgrade() -> None:
    op.drop_index("ix_history_item", table_name="history")
