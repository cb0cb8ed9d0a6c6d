"""The name and pinyin search rows in list order (issue 16 item 5: every keystroke
under 100 ms at 100,000 contacts): ``contact_sorted_terms`` (field, book, term, sort
key, href, item), filled from ``contact_terms`` and ``contact_cards`` in one statement,
then kept by the index writer (cms_dav.contacts.search_order). A search level of those
fields is then read in name order from this table's key instead of walking the book's
sort index past every card that sorts before the level's (the Latin names before 张).

Revision ID: 0019_web_sorted_terms
Revises: 0018_put_fts_feed
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_web_sorted_terms"
down_revision = "0018_put_fts_feed"
branch_labels = None
depends_on = None

#: cms_dav.contacts.search_order.SORTED_TERM
SORTED_TERM = 64


def upgrade() -> None:
    op.create_table(
        "contact_sorted_terms",
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("collection_id", sa.Integer, nullable=False),
        # by code point on PostgreSQL too (collation "C"): the order the search merges in
        sa.Column("term", sa.String(64).with_variant(sa.String(64, collation="C"),
                                                     "postgresql"), nullable=False),
        sa.Column("sort_key", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"),
                  nullable=False),
        sa.Column("href", sa.String(512).with_variant(sa.String(512, collation="C"),
                                                      "postgresql"), nullable=False),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.PrimaryKeyConstraint("field", "collection_id", "term", "sort_key", "href",
                                "item_id", name="pk_contact_sorted_terms"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_contact_sorted_terms_item_id", "contact_sorted_terms", ["item_id"])
    # the rows the index writer would have made: people only, name and pinyin, cut terms
    # (DISTINCT: two terms may share their first SORTED_TERM characters)
    op.execute(sa.text(
        "INSERT INTO contact_sorted_terms (field, collection_id, term, sort_key, href, item_id) "
        f"SELECT DISTINCT t.field, t.collection_id, substr(t.term, 1, {SORTED_TERM}), "
        "c.sort_key, c.href, t.item_id FROM contact_terms t "
        "JOIN contact_cards c ON c.item_id = t.item_id "
        "WHERE t.field IN ('name', 'pinyin') AND c.is_group = :no AND c.fields_ok = :yes"
    ).bindparams(no=False, yes=True))


def downgrade() -> None:
    op.drop_index("ix_contact_sorted_terms_item_id", "contact_sorted_terms")
    op.drop_table("contact_sorted_terms")
