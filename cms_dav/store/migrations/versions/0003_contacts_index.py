"""Contact search index: contact_terms, contact_cards, contact_values.

Existing cards are not indexed here (that needs the contacts layer): run
``cms-dav reindex``. Until then they simply do not show up in search, and the
addressbook-query prefilter treats them as candidates, so REPORT stays correct.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _item_fk() -> sa.Column[int]:
    return sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"),
                     nullable=False, index=True)


def upgrade() -> None:
    op.create_table(
        "contact_terms",
        sa.Column("id", sa.Integer, primary_key=True),
        _item_fk(),
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("term", sa.String(512), nullable=False),
    )
    op.create_index("ix_contact_terms_term", "contact_terms", ["term"])
    op.create_table(
        "contact_cards",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("collection_id", sa.Integer,
                  sa.ForeignKey("collections.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("href", sa.String(512), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("uid", sa.String(512), nullable=False),
        sa.Column("fn", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("org", sa.Text, nullable=False),
        sa.Column("nicknames", sa.Text, nullable=False),
        sa.Column("emails", sa.Text, nullable=False),
        sa.Column("phones", sa.Text, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("members", sa.Text, nullable=False),
        sa.Column("is_group", sa.Boolean, nullable=False),
        sa.Column("last_contacted", sa.Float, nullable=True),
        sa.Column("fields_ok", sa.Boolean, nullable=False),
        sa.Column("values_ok", sa.Boolean, nullable=False),
    )
    op.create_table(
        "contact_values",
        sa.Column("id", sa.Integer, primary_key=True),
        _item_fk(),
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("prop", sa.String(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_index("ix_contact_values_prop", "contact_values", ["collection_id", "prop"])


def downgrade() -> None:
    op.drop_table("contact_values")
    op.drop_table("contact_cards")
    op.drop_index("ix_contact_terms_term", "contact_terms")
    op.drop_table("contact_terms")
