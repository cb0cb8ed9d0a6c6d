"""Shares in the SQL ``shares`` table, as the dicts Radicale's sharing layer expects.

No copy is kept in memory: every lookup is a query, so a share created on one node
is effective on every node at once.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import Connection, Select, and_, bindparam, delete, or_, select, update

from cms_dav.acl.permissions import ShareGrant
from cms_dav.store.audit import record
from cms_dav.store.schema import shares

#: Radicale field name -> column
COLUMNS = {
    "ShareType": "share_type", "PathOrToken": "path_or_token", "PathMapped": "path_mapped",
    "Conversion": "conversion", "Owner": "owner", "User": "user_name",
    "Permissions": "permissions", "EnabledByOwner": "enabled_by_owner",
    "EnabledByUser": "enabled_by_user", "HiddenByOwner": "hidden_by_owner",
    "HiddenByUser": "hidden_by_user",
}


def to_radicale(row: Any) -> dict[str, Any]:
    """A table row as a DB_FIELDS_V1 dict (plus our ``Id`` for `share list`)."""
    data = {field: getattr(row, column) for field, column in COLUMNS.items()}
    for flag in ("EnabledByOwner", "EnabledByUser", "HiddenByOwner", "HiddenByUser"):
        data[flag] = bool(data[flag])
    data["TimestampCreated"] = int(row.created_at)
    data["TimestampUpdated"] = int(row.updated_at)
    data["Properties"] = json.loads(row.properties or "{}")
    data["Actions"] = json.loads(row.actions or "{}")
    return data


def candidates(conn: Connection, share_type: str | None = None,
               user: str | None = None, owner_or_user: str | None = None,
               path_mapped: str | None = None) -> list[dict[str, Any]]:
    """Rows that may match; Radicale's own matcher does the exact group/{user} logic.

    ``user``/``owner_or_user`` are plain names (no ":groups" suffix); group and realm
    rows are always candidates because they match by membership.
    """
    params = {"share_type": share_type, "user": user, "owner_or_user": owner_or_user,
              "path_mapped": path_mapped}
    query = _candidates_query(*(value is not None for value in params.values()))
    given = {key: value for key, value in params.items() if value is not None}
    return [to_radicale(row) for row in conn.execute(query, given)]


@lru_cache(maxsize=None)
def _candidates_query(by_type: bool, by_user: bool, by_owner_or_user: bool,
                      by_path: bool) -> Select[Any]:
    """The query for one combination of filters, built once (this runs per request)."""
    query = select(shares).order_by(shares.c.id)
    if by_type:
        query = query.where(shares.c.share_type == bindparam("share_type"))
    if by_path:
        query = query.where(shares.c.path_mapped == bindparam("path_mapped"))
    wide = or_(shares.c.user_name.startswith(":"), shares.c.user_name.startswith("@"))
    user, owner_or_user = bindparam("user"), bindparam("owner_or_user")
    if by_user and by_owner_or_user:
        query = query.where(or_(shares.c.user_name == user,
                                shares.c.owner == owner_or_user, wide))
    elif by_user:
        query = query.where(or_(shares.c.user_name == user, wide))
    elif by_owner_or_user:
        query = query.where(or_(shares.c.user_name == owner_or_user,
                                shares.c.owner == owner_or_user, wide))
    return query


def grants_for(conn: Connection, user: str) -> list[ShareGrant]:
    """Map shares that reach ``user`` directly or through a group (enabled by the owner)."""
    query = select(shares.c.id, shares.c.path_mapped, shares.c.permissions,
                   shares.c.user_name).where(and_(
                       shares.c.share_type == "map", shares.c.enabled_by_owner.is_(True),
                       or_(shares.c.user_name == user, shares.c.user_name.startswith(":"))))
    return [ShareGrant(row.id, row.path_mapped, row.permissions, row.user_name)
            for row in conn.execute(query)]


def find(conn: Connection, share_type: str, path_or_token: str,
         user: str) -> dict[str, Any] | None:
    row = conn.execute(select(shares).where(
        shares.c.share_type == share_type, shares.c.path_or_token == path_or_token,
        shares.c.user_name == user)).first()
    return to_radicale(row) if row is not None else None


def share_id(conn: Connection, share_type: str, path_or_token: str, user: str) -> int | None:
    return conn.execute(select(shares.c.id).where(
        shares.c.share_type == share_type, shares.c.path_or_token == path_or_token,
        shares.c.user_name == user)).scalar()


def create(conn: Connection, actor: str, fields: dict[str, Any]) -> int:
    """Insert one share (DB_FIELDS_V1 keys) and audit it; returns the new id."""
    now = time.time()
    values = {column: fields[field] for field, column in COLUMNS.items()
              if fields.get(field) is not None}
    values.update(created_at=now, updated_at=now,
                  properties=json.dumps(fields.get("Properties") or {}, ensure_ascii=False),
                  actions=json.dumps(fields.get("Actions") or {}, ensure_ascii=False))
    new_id = conn.execute(shares.insert().values(**values)).inserted_primary_key[0]
    record(conn, actor, "share.create", fields["PathMapped"],
           {"id": new_id, "to": fields["User"], "mount": fields["PathOrToken"],
            "type": fields["ShareType"], "permissions": fields.get("Permissions", "")})
    return int(new_id)


def change(conn: Connection, actor: str, share_type: str, path_or_token: str,
           user_names: Iterable[str], changes: dict[str, Any]) -> int:
    """Update the rows (DB_FIELDS_V1 keys in ``changes``); returns how many changed."""
    values: dict[str, Any] = {COLUMNS[f]: v for f, v in changes.items() if f in COLUMNS}
    for field in ("Properties", "Actions"):
        if field in changes:
            values[field.lower()] = json.dumps(changes[field] or {}, ensure_ascii=False)
    values["updated_at"] = time.time()
    names = list(user_names)
    result = conn.execute(update(shares).where(
        shares.c.share_type == share_type, shares.c.path_or_token == path_or_token,
        shares.c.user_name.in_(names)).values(**values))
    if result.rowcount:
        record(conn, actor, "share.update", path_or_token,
               {"users": names, "changes": sorted(changes)})
    return result.rowcount


def remove(conn: Connection, actor: str, share_type: str, path_or_token: str,
           user_names: Iterable[str]) -> int:
    names = list(user_names)
    rows = conn.execute(select(shares.c.id, shares.c.path_mapped, shares.c.user_name).where(
        shares.c.share_type == share_type, shares.c.path_or_token == path_or_token,
        shares.c.user_name.in_(names))).all()
    for row in rows:
        conn.execute(delete(shares).where(shares.c.id == row.id))
        record(conn, actor, "share.delete", row.path_mapped,
               {"id": row.id, "to": row.user_name, "mount": path_or_token})
    return len(rows)
