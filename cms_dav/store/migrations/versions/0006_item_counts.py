"""Item count per collection, kept by every insert and delete, for the item quota.

Counting a 100k-item collection costs milliseconds per write; a counter updated under
the collection's row lock costs nothing and stays exact.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collections") as batch:
        batch.add_column(sa.Column("item_count", sa.BigInteger, nullable=False,
                                   server_default="0"))
    op.execute("UPDATE collections SET item_count = (SELECT COUNT(*) FROM items "
               "WHERE items.collection_id = collections.id)")


def downgrade() -> None:
    with op.batch_alter_table("collections") as batch:
        batch.drop_column("item_count")
