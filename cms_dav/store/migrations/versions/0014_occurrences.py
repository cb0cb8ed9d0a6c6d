"""Calendar occurrence index (issue 19 item 3): calendar_spans, calendar_occurrences.

Calendar objects stored before this revision have no rows: a calendar-query treats
them as candidates (Radicale expands them, as before) until ``cms-dav reindex``.

Revision ID: 0014_occurrences
Revises: 0012_trigram
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_occurrences"
down_revision = "0014_web_dashboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_spans",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("collection_id", sa.Integer,
                  sa.ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("exact", sa.Boolean, nullable=False),
        sa.Column("until", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_calendar_spans_collection_id", "calendar_spans", ["collection_id"])
    op.create_table(
        "calendar_occurrences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("start_utc", sa.BigInteger, nullable=False),
        sa.Column("end_utc", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_calendar_occurrences_item", "calendar_occurrences",
                    ["item_id", "start_utc", "end_utc"])


def downgrade() -> None:
    op.drop_table("calendar_occurrences")
    op.drop_table("calendar_spans")
