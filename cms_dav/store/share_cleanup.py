"""Shares die with their collection: deleting ``/alice/book/`` (or the home ``/alice/``)
deletes every share and link of it, and every mount placed inside it, in the same
transaction as the collection itself. A collection re-created under the same path
therefore starts unshared."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, delete, or_, select

from cms_dav.store.audit import record
from cms_dav.store.records import WriteOrigin
from cms_dav.store.schema import shares


def delete_shares_where(conn: Connection, actor: WriteOrigin | str, condition: ColumnElement[bool],
                        reason: str) -> int:
    """Delete the shares matching ``condition``, each with its audit row; how many."""
    doomed = conn.execute(select(shares.c.id, shares.c.path_mapped, shares.c.user_name)
                          .where(condition)).all()
    for row in doomed:
        conn.execute(delete(shares).where(shares.c.id == row.id))
        record(conn, actor, "share.delete", row.path_mapped,
               {"id": row.id, "to": row.user_name, "reason": reason},
               collection=row.path_mapped.strip("/"))
    return len(doomed)


def forget_shares_under(conn: Connection, stored_path: str, actor: WriteOrigin | str
                        ) -> int:
    """Delete the shares of ``stored_path`` ("alice/book") and of everything below it."""
    prefix = "/" + stored_path.strip("/") + "/"
    return delete_shares_where(conn, actor, or_(
        shares.c.path_mapped.startswith(prefix, autoescape=True),
        shares.c.path_or_token.startswith(prefix, autoescape=True)), f"{prefix} deleted")
