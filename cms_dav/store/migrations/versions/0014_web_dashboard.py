"""The web dashboard's dates on the contact index (issue 16): contact_cards.birthday
(month * 100 + day) and contact_cards.follow_up (the earliest open follow-up), indexed
per address book, so "birthdays this week" and "follow-ups due" are bounded queries.

Cards written before this revision have neither until ``cms-dav reindex`` (one run
after upgrading; every later write fills them), as with 0009's custom field index.

Revision ID: 0014_web_dashboard
Revises: 0012_trigram
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_web_dashboard"
down_revision = "0012_trigram"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_cards") as batch:
        batch.add_column(sa.Column("birthday", sa.Integer, nullable=True))
        batch.add_column(sa.Column("follow_up", sa.Date, nullable=True))
    op.create_index("ix_contact_cards_birthday", "contact_cards",
                    ["collection_id", "birthday"])
    op.create_index("ix_contact_cards_follow_up", "contact_cards",
                    ["collection_id", "follow_up"])


def downgrade() -> None:
    op.drop_index("ix_contact_cards_follow_up", "contact_cards")
    op.drop_index("ix_contact_cards_birthday", "contact_cards")
    with op.batch_alter_table("contact_cards") as batch:
        batch.drop_column("follow_up")
        batch.drop_column("birthday")
