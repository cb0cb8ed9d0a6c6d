"""The map shares that reach a user, read for the ACL policy without SQLAlchemy
(:mod:`cms_dav.store.sql`): a read-only command (``cms-dav search``) asks the policy
about other users' books on the standard library's ``sqlite3``; the share table's
writers and Radicale's views of it are :mod:`cms_dav.acl.share_table`."""

from __future__ import annotations

from cms_dav.acl.permissions import ShareGrant
from cms_dav.store.sql import Conn, as_db, sql, starts_with


def grants_for(conn: Conn, user: str) -> list[ShareGrant]:
    """Map shares that reach ``user`` directly or through a group (enabled by their
    creator), with the creator and whether the sharee accepted them."""
    rows = as_db(conn).rows(
        sql("SELECT id, path_mapped, permissions, user_name, owner, enabled_by_user "
            "FROM shares WHERE share_type = ? AND enabled_by_owner = ? AND",
            "map", True)
        + (sql("user_name = ?", user) | starts_with("user_name", ":")))
    return [ShareGrant(row.id, row.path_mapped, row.permissions, row.user_name,
                       row.owner, bool(row.enabled_by_user))
            for row in rows]
