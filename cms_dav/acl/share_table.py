"""Shares in the SQL ``shares`` table, as the dicts Radicale's sharing layer expects.

No copy is kept in memory: every lookup is a query, so a share created on one node
is effective on every node at once. The lookup every request makes (:func:`candidates`:
Radicale's share resolver asks on every request) runs as a plain DB-API statement
(:mod:`cms_dav.store.raw`), still one query per lookup.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import (BindParameter, ColumnElement, Connection, Select, and_, bindparam,
                        delete, or_, select, update)

from cms_dav.acl import share_grants
from cms_dav.acl.permissions import ShareGrant, split
from cms_dav.store.audit import record
from cms_dav.store.change_feed import ChangeFeed
from cms_dav.store.raw import RawStatement
from cms_dav.store.records import WriteOrigin
from cms_dav.store.share_cleanup import delete_shares_where
from cms_dav.store.schema import shares

#: at most this many derived shares are deleted by one revocation (read-time checks
#: disarm any that are left; ``cms-dav check`` can report them)
MAX_CASCADE = 10_000

#: Radicale field name -> column
COLUMNS = {
    "ShareType": "share_type", "PathOrToken": "path_or_token", "PathMapped": "path_mapped",
    "Conversion": "conversion", "Owner": "owner", "User": "user_name",
    "Permissions": "permissions", "EnabledByOwner": "enabled_by_owner",
    "EnabledByUser": "enabled_by_user", "HiddenByOwner": "hidden_by_owner",
    "HiddenByUser": "hidden_by_user",
}


def _audited(path_or_token: str) -> str:
    """A link's token is a password: the audit trail names it only as a link."""
    return "(link)" if path_or_token.startswith("/.token/") else path_or_token


def notify(conn: Connection, feeds: Sequence[ChangeFeed], actor: WriteOrigin | str,
           share_type: str, path_mapped: str, sharee: str, change: str) -> None:
    """Tell ``feeds`` (the outbox: WebDAV-Push) that a map share of ``path_mapped``
    became visible to ``sharee`` ("shared") or stopped being so ("unshared"), in the
    share change's transaction. Links have no sharee to tell."""
    if share_type != "map" or not feeds:
        return
    origin = actor if isinstance(actor, WriteOrigin) else WriteOrigin(user=actor)
    for feed in feeds:
        feed.share_changed(conn, origin, "/".join(split(path_mapped)), sharee, change)


def _enabled(row: Any) -> bool:
    return bool(row.enabled_by_owner) and bool(row.enabled_by_user)


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


def _alive(now: float | BindParameter[float]) -> ColumnElement[bool]:
    """Rows that are not expired links (map shares never expire)."""
    return or_(shares.c.expires_at.is_(None), shares.c.expires_at > now)


def candidates(conn: Connection, share_type: str | None = None,
               user: str | None = None, owner_or_user: str | None = None,
               path_mapped: str | None = None) -> list[dict[str, Any]]:
    """Rows that may match; Radicale's own matcher does the exact group/{user} logic.

    ``user``/``owner_or_user`` are plain names (no ":groups" suffix); group and realm
    rows are always candidates because they match by membership.
    """
    params = {"share_type": share_type, "user": user, "owner_or_user": owner_or_user,
              "path_mapped": path_mapped}
    statement = _candidates_statement(*(value is not None for value in params.values()))
    given: dict[str, object] = {key: value for key, value in params.items()
                                if value is not None}
    given["now"] = time.time()
    return [to_radicale(SimpleNamespace(**dict(zip(_NAMES, row, strict=True))))
            for row in statement.execute(conn, given)]


#: the columns of a ``shares`` row read through the driver, in the order of
#: ``select(shares)``, by the names :func:`to_radicale` reads
_NAMES = tuple(column.key for column in shares.columns)


@lru_cache(maxsize=None)
def _candidates_statement(by_type: bool, by_user: bool, by_owner_or_user: bool,
                          by_path: bool) -> RawStatement:
    """:func:`_candidates_query` as a plain DB-API statement: ~0.25 ms through
    SQLAlchemy's execution layer for a SELECT of no rows in a PUT, against the
    driver's own work here (issue 19, putpath)."""
    return RawStatement(_candidates_query(by_type, by_user, by_owner_or_user, by_path))


@lru_cache(maxsize=None)
def _candidates_query(by_type: bool, by_user: bool, by_owner_or_user: bool,
                      by_path: bool) -> Select[Any]:
    """The query for one combination of filters, built once (this runs per request)."""
    query = select(shares).where(_alive(bindparam("now"))).order_by(shares.c.id)
    if by_type:
        query = query.where(shares.c.share_type == bindparam("share_type"))
    if by_path:
        query = query.where(shares.c.path_mapped == bindparam("path_mapped"))
    wide = or_(shares.c.user_name.startswith(":"), shares.c.user_name.startswith("@"))
    user: BindParameter[str] = bindparam("user")
    owner_or_user: BindParameter[str] = bindparam("owner_or_user")
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
    """Map shares that reach ``user`` directly or through a group (enabled by their
    creator), with the creator and whether the sharee accepted them."""
    return share_grants.grants_for(conn, user)


def of_collections(conn: Connection, paths: Iterable[str],
                   share_type: str | None = None) -> list[dict[str, Any]]:
    """Every live share of the collections at ``paths`` ("/alice/book/"), whoever made it."""
    wanted = list(paths)
    if not wanted:
        return []
    query = select(shares).where(shares.c.path_mapped.in_(wanted), _alive(time.time()))
    if share_type is not None:
        query = query.where(shares.c.share_type == share_type)
    return [to_radicale(row) for row in conn.execute(query.order_by(shares.c.id))]


def link_alive(conn: Connection, token_path: str) -> bool:
    """Whether the token link ``/.token/v1/<token>/`` exists, is enabled and unexpired."""
    return conn.execute(select(shares.c.id).where(
        shares.c.share_type == "token", shares.c.path_or_token == token_path,
        shares.c.enabled_by_owner.is_(True), _alive(time.time()))).first() is not None


def remove_user(conn: Connection, actor: WriteOrigin | str, user: str) -> int:
    """Delete every share made by, made to, or made of the collections of ``user``."""
    home = f"/{user}/"
    return delete_shares_where(conn, actor, or_(
        shares.c.owner == user, shares.c.user_name == user,
        shares.c.path_mapped.startswith(home, autoescape=True),
        shares.c.path_or_token.startswith(home, autoescape=True)), f"user {user} removed")


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


def create(conn: Connection, actor: WriteOrigin | str, fields: dict[str, Any],
           feeds: Sequence[ChangeFeed] = ()) -> int:
    """Insert one share (DB_FIELDS_V1 keys) and audit it; returns the new id. An enabled
    map share is "shared" news for ``feeds`` (one waiting for consent is not yet)."""
    now = time.time()
    values: dict[str, Any] = {column: fields[field] for field, column in COLUMNS.items()
                              if fields.get(field) is not None}
    if fields.get("ExpiresAt") is not None:
        values["expires_at"] = float(fields["ExpiresAt"])
    values.update(created_at=now, updated_at=now,
                  properties=json.dumps(fields.get("Properties") or {}, ensure_ascii=False),
                  actions=json.dumps(fields.get("Actions") or {}, ensure_ascii=False))
    inserted = conn.execute(shares.insert().values(**values)).inserted_primary_key
    assert inserted is not None, "a single-row INSERT always reports its primary key"
    new_id = inserted[0]
    mount = "(link)" if fields["ShareType"] == "token" else fields["PathOrToken"]
    record(conn, actor, "share.create", fields["PathMapped"],
           {"id": new_id, "to": fields["User"], "mount": mount,
            "type": fields["ShareType"], "permissions": fields.get("Permissions", "")},
           collection=str(fields["PathMapped"]).strip("/"))
    if fields.get("EnabledByOwner", True) and fields.get("EnabledByUser", True):
        notify(conn, feeds, actor, fields["ShareType"], fields["PathMapped"],
               str(fields["User"]), "shared")
    return int(new_id)


def change(conn: Connection, actor: WriteOrigin | str, share_type: str, path_or_token: str,
           user_names: Iterable[str], changes: dict[str, Any],
           feeds: Sequence[ChangeFeed] = ()) -> int:
    """Update the rows (DB_FIELDS_V1 keys in ``changes``); returns how many changed. A
    share enabled or disabled (by its owner or its sharee) is news for ``feeds``."""
    values: dict[str, Any] = {COLUMNS[f]: v for f, v in changes.items() if f in COLUMNS}
    for field in ("Properties", "Actions"):
        if field in changes:
            values[field.lower()] = json.dumps(changes[field] or {}, ensure_ascii=False)
    values["updated_at"] = time.time()
    names = list(user_names)
    chosen = and_(shares.c.share_type == share_type, shares.c.path_or_token == path_or_token,
                  shares.c.user_name.in_(names))
    before = {row.id: _enabled(row) for row in conn.execute(select(shares).where(chosen))}
    result = conn.execute(update(shares).where(chosen).values(**values))
    if result.rowcount:
        record(conn, actor, "share.update", _audited(path_or_token),
               {"users": names, "changes": sorted(changes)})
        for row in conn.execute(select(shares).where(chosen)):
            if row.id in before and before[row.id] != _enabled(row):
                notify(conn, feeds, actor, share_type, row.path_mapped, row.user_name,
                       "shared" if _enabled(row) else "unshared")
    return result.rowcount


def remove(conn: Connection, actor: WriteOrigin | str, share_type: str, path_or_token: str,
           user_names: Iterable[str],
           still_manages: Callable[[str, str], bool] = lambda user, path: False,
           feeds: Sequence[ChangeFeed] = ()) -> int:
    """Delete the rows, then (hygiene) every share their sharees made of the same
    collection, transitively, unless ``still_manages(sharee, path)`` says that sharee
    keeps managing it another way (owner, admin). Read-time checks already make those
    derived shares powerless; this keeps the table honest. Returns rows deleted. Each
    enabled map share deleted is "unshared" news for ``feeds``."""
    names = list(user_names)
    rows = conn.execute(select(shares).where(
        shares.c.share_type == share_type, shares.c.path_or_token == path_or_token,
        shares.c.user_name.in_(names))).all()
    for row in rows:
        conn.execute(delete(shares).where(shares.c.id == row.id))
        record(conn, actor, "share.delete", row.path_mapped,
               {"id": row.id, "to": row.user_name, "mount": _audited(path_or_token)},
               collection=row.path_mapped.strip("/"))
        if _enabled(row):
            notify(conn, feeds, actor, share_type, row.path_mapped, row.user_name,
                   "unshared")
    roots = [(row.path_mapped, row.user_name) for row in rows
             if not row.user_name.startswith((":", "@"))]
    return len(rows) + remove_derived(conn, actor, roots, still_manages, feeds)


def remove_derived(conn: Connection, actor: WriteOrigin | str,
                   roots: list[tuple[str, str]],
                   still_manages: Callable[[str, str], bool],
                   feeds: Sequence[ChangeFeed] = ()) -> int:
    """Delete the shares (and links) of ``path`` created by ``user`` for each root."""
    removed, seen = 0, set(roots)
    work = list(roots)
    while work and removed < MAX_CASCADE:
        path, creator = work.pop()
        if still_manages(creator, path) or split(path)[:1] == [creator]:
            continue
        derived = conn.execute(select(shares).where(
            shares.c.path_mapped == path, shares.c.owner == creator)).all()
        for row in derived:
            conn.execute(delete(shares).where(shares.c.id == row.id))
            record(conn, actor, "share.delete", path,
                   {"id": row.id, "to": row.user_name, "reason": f"derived from {creator}"},
                   collection=path.strip("/"))
            if _enabled(row):
                notify(conn, feeds, actor, row.share_type, path, row.user_name, "unshared")
            removed += 1
            if (path, row.user_name) not in seen and not row.user_name.startswith((":", "@")):
                seen.add((path, row.user_name))
                work.append((path, row.user_name))
    return removed
