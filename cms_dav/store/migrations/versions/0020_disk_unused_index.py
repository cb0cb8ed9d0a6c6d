"""Drop ``ix_contact_terms_term``, an index no query reads (issue 19 target 7: data on
disk under stock Radicale's).

Every query on ``contact_terms`` names the field (seeks on
``ix_contact_terms_field_term``), reads an item's rows (``ix_contact_terms_item_id``) or
narrows a substring through the trigram index: EXPLAIN QUERY PLAN of every statement
the contacts, speed and web tests run never chose it. It was ~10 % of the database
(18.8 of 193 MB at 20,000 bench cards). (``ix_contact_cards_collection_id`` looks
redundant next to ``ix_contact_cards_sort`` but is not: a card by id within one book
seeks (collection_id, rowid) on it; without it SQLite walks the book's follow-up index.)

Downgrade creates it again. Dropping an index changes no row: ``cms-dav reindex`` has
nothing to rebuild.

Revision ID: 0020_disk_unused_index
Revises: 0019_web_sorted_terms
"""
from alembic import op

revision = "0020_disk_unused_index"
down_revision = "0019_web_sorted_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_contact_terms_term", table_name="contact_terms")


def downgrade() -> None:
    op.create_index("ix_contact_terms_term", "contact_terms", ["term"])
