"""Mount points: where a collection a user can reach appears in that user's home.

Native clients only discover what is in the home (``/bob/``), so every rights-file
grant and every group collection of the user gets a synthetic map share
``/bob/<mount>/ -> /owner/collection/``. The synthetic share's owner is the user
themself, so Radicale checks the user's own effective rights on the real path:
the mount adds visibility, never access.
"""

from __future__ import annotations

import json
from typing import Any

from cms_dav.acl.permissions import GROUPS_ROOT, split
from cms_dav.acl.rules import RightsRules
from cms_dav.store.sql import Conn, as_db, first, in_, sql

SYNTHETIC_ID = 0  # rows without a table id: they come from the rights file


def mount_path(user: str, source_path: str) -> str:
    """``/alice/team-cal/`` -> ``/bob/alice-team-cal/``; ``/groups/sales/contacts/`` ->
    ``/bob/sales-contacts/`` (a name that says where it comes from)."""
    parts = split(source_path)
    if parts and parts[0] == GROUPS_ROOT:
        parts = parts[1:]
    return f"/{user}/{'-'.join(parts)}/"


def display_name(props: dict[str, str], source_path: str) -> str:
    parts = split(source_path)
    whose = parts[1] if parts[0] == GROUPS_ROOT else parts[0]
    name = props.get("D:displayname") or parts[-1]
    return f"{name} ({whose})"


def _tagged(conn: Conn, stored_paths: list[str]) -> dict[str, dict[str, str]]:
    if not stored_paths:
        return {}
    rows = as_db(conn).rows(sql("SELECT path, props FROM collections WHERE")
                            + (in_("path", stored_paths) & sql("tag != ?", "")))
    return {row.path: json.loads(row.props or "{}") for row in rows}


def _group_collections(conn: Conn, groups: frozenset[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    db = as_db(conn)
    for group in sorted(groups):
        parent = f"{GROUPS_ROOT}/{group}"
        rows = db.rows(sql("SELECT path, props FROM collections "
                           "WHERE parent_path = ? AND tag != ?", parent, ""))
        for row in rows:
            found[row.path] = json.loads(row.props or "{}")
    return found


def exists(conn: Conn, path: str) -> bool:
    stored = "/".join(split(path))
    return first(as_db(conn), sql("SELECT id FROM collections WHERE path = ?", stored)
                 ) is not None


def synthetic_shares(conn: Conn, user: str, rules: RightsRules) -> list[dict[str, Any]]:
    """Map-share rows (Radicale's DB_FIELDS_V1) for the user's grants and group collections."""
    groups = rules.groups_of(user)
    sources = _group_collections(conn, groups)
    granted = [g.path for g in rules.grants
               if g.applies_to(user, groups) and split(g.path)[0] != user]
    sources.update(_tagged(conn, ["/".join(split(p)) for p in granted]))
    rows = []
    for stored, props in sorted(sources.items()):
        source = f"/{stored}/"
        mount = mount_path(user, source)
        if exists(conn, mount):
            continue  # the user's own collection wins; the mount is not shown
        rows.append({
            "ShareType": "map", "PathOrToken": mount, "PathMapped": source,
            "Conversion": "none", "Owner": user, "User": user, "Permissions": "rw",
            "EnabledByOwner": True, "EnabledByUser": True,
            "HiddenByOwner": False, "HiddenByUser": False,
            "TimestampCreated": 0, "TimestampUpdated": 0,
            "Properties": {"D:displayname": display_name(props, source)}, "Actions": {},
        })
    return rows
