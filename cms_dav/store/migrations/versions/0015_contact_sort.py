"""The contacts list's order on the contact index (issue 16, item 5): contact_cards.sort_key
(the display name folded, or the href), indexed per address book with the href, so the
web app's contacts page is one bounded, ordered query instead of reading the whole book.

Existing rows are filled here, in batches, with the same fold the index uses on writes.

Revision ID: 0015_contact_sort
Revises: 0014_occurrences
"""
import sqlalchemy as sa
from alembic import op

from cms_dav.contacts.index_store import sort_key

revision = "0015_contact_sort"
down_revision = "0014_occurrences"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("contact_cards") as batch:
        batch.add_column(sa.Column("sort_key", sa.Text, nullable=False, server_default=""))
    cards = sa.table("contact_cards", sa.column("item_id", sa.Integer),
                     sa.column("fn", sa.Text), sa.column("href", sa.String),
                     sa.column("sort_key", sa.Text))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(cards.c.item_id, cards.c.fn, cards.c.href)
                            .where(cards.c.item_id > last).order_by(cards.c.item_id)
                            .limit(BATCH)).all()
        if not rows:
            break
        conn.execute(cards.update().where(cards.c.item_id == sa.bindparam("ident"))
                     .values(sort_key=sa.bindparam("key")),
                     [{"ident": row.item_id, "key": sort_key(row.fn or "", row.href)}
                      for row in rows])
        last = rows[-1].item_id
    op.create_index("ix_contact_cards_sort", "contact_cards",
                    ["collection_id", "sort_key", "href"])


def downgrade() -> None:
    op.drop_index("ix_contact_cards_sort", "contact_cards")
    with op.batch_alter_table("contact_cards") as batch:
        batch.drop_column("sort_key")
