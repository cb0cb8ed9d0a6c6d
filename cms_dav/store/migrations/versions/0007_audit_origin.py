"""Audit trail origin (issue 13 item 3): door, address, method, item and ETags per entry,
and the door of every stored version.

Existing rows keep empty values: nothing recorded then can be recovered.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: (name, length) of the text columns added to ``audit``
AUDIT_COLUMNS = (("door", 16), ("address", 64), ("method", 128), ("kind", 32),
                 ("collection", 1024), ("href", 512), ("uid", 512), ("old_etag", 80),
                 ("new_etag", 80))


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        for name, length in AUDIT_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False,
                                       server_default=""))
    op.create_index("ix_audit_actor", "audit", ["actor", "at"])
    op.create_index("ix_audit_item", "audit", ["collection", "href"])
    op.create_index("ix_audit_uid", "audit", ["uid"])
    with op.batch_alter_table("history") as batch:
        batch.add_column(sa.Column("door", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("history") as batch:
        batch.drop_column("door")
    op.drop_index("ix_audit_uid", "audit")
    op.drop_index("ix_audit_item", "audit")
    op.drop_index("ix_audit_actor", "audit")
    with op.batch_alter_table("audit") as batch:
        for name, _length in reversed(AUDIT_COLUMNS):
            batch.drop_column(name)
