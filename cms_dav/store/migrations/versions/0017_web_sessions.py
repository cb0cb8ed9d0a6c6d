"""The web app (issue 16): sessions recorded in the database, so sign-out ends a session
on every worker and node, not only in the browser that signed out; and an index on the
search terms by field and term, so a keystroke's page is read from the exact and prefix
rows (cms_dav.contacts.search_tiers) instead of a scan.

Revision ID: 0017_web_sessions
Revises: 0016_mem_fts_columnsize
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_web_sessions"
down_revision = "0016_mem_fts_columnsize"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("lookup", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("began", sa.Float, nullable=False),
        sa.Column("seen", sa.Float, nullable=False),
    )
    op.create_index("ix_web_sessions_user_name", "web_sessions", ["user_name"])
    # covering: the tiers read item and book from the index alone
    op.create_index("ix_contact_terms_field_term", "contact_terms",
                    ["field", "term", "collection_id", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_contact_terms_field_term", "contact_terms")
    op.drop_table("web_sessions")
