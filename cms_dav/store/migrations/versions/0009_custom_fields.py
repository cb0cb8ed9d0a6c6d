"""Custom field value index (issue 14): contact_field_values.

Existing cards carry no custom fields yet, so nothing needs indexing here; after
restoring cards that do, ``cms-dav reindex`` rebuilds it.

Revision ID: 0009
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_field_values",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("folded", sa.String(512), nullable=False),
        sa.Column("number", sa.Float, nullable=True),
        sa.Column("day", sa.Date, nullable=True),
    )
    op.create_index("ix_contact_field_values_field", "contact_field_values",
                    ["collection_id", "field"])


def downgrade() -> None:
    op.drop_index("ix_contact_field_values_field", "contact_field_values")
    op.drop_table("contact_field_values")
