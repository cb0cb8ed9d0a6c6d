"""Admin operations behind ``cms-dav group`` and ``cms-dav share``.

Every change lands in the audit trail, whether it edits the rights file or the
shares table, so "who gave bob access?" always has an answer. The store and the ACL
policy are the App's (:func:`cms_dav.app.build_app`); the rights file edited is the
policy's own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cms_dav.acl import editor, mounts, share_table, sharing_policy
from cms_dav.acl.permissions import GROUPS_ROOT, split
from cms_dav.acl.rules import ACCESS_LEVELS, canonical_path, check_name, check_principal
from cms_dav.acl.policy import Policy
from cms_dav.store.audit import record
from cms_dav.store.schema import collections, shares
from cms_dav.store.store import Store

SHARE_PERMISSIONS = {"read": "r", "write": "rw", "admin": "rwD"}
COLLECTION_TAGS = {"addressbook": "VADDRESSBOOK", "calendar": "VCALENDAR"}


class AclError(ValueError):
    """An admin request that cannot be carried out; the message says why."""


def _audit(store: Store, actor: str, action: str, target: str,
           detail: dict[str, Any]) -> None:
    with store.writing() as conn:
        record(conn, store.origin(actor), action, target, detail)


def _edit(store: Store, policy: Policy, actor: str, action: str, target: str,
          detail: dict[str, Any], change: Any, *args: Any) -> None:
    try:
        change(policy.file.path, *args)
    except ValueError as exc:
        raise AclError(str(exc)) from None
    policy.file.refresh(force=True)
    _audit(store, actor, action, target, detail)


# -- groups -----------------------------------------------------------------------
def group_add(store: Store, policy: Policy, actor: str, group: str) -> None:
    _edit(store, policy, actor, "group.add", group, {}, editor.add_group, group)


def group_remove(store: Store, policy: Policy, actor: str, group: str) -> None:
    _edit(store, policy, actor, "group.remove", group, {}, editor.remove_group, group)


def member_add(store: Store, policy: Policy, actor: str, group: str, user: str) -> None:
    _edit(store, policy, actor, "group.add-member", group, {"user": user},
          editor.set_membership, group, user, True)


def member_remove(store: Store, policy: Policy, actor: str, group: str, user: str) -> None:
    _edit(store, policy, actor, "group.remove-member", group, {"user": user},
          editor.set_membership, group, user, False)


def groups(policy: Policy) -> dict[str, list[str]]:
    rules = policy.rules()
    return {name: sorted(members) for name, members in sorted(rules.groups.items())}


def group_collection_add(store: Store, policy: Policy, actor: str, group: str, name: str,
                         kind: str, displayname: str | None = None) -> str:
    """Create ``/groups/<group>/<name>/``; returns the path."""
    if group not in policy.rules().groups:
        raise AclError(f"group {group!r} does not exist (cms-dav group add {group})")
    try:
        check_name("collection", name)
    except ValueError as exc:
        raise AclError(str(exc)) from None
    if kind not in COLLECTION_TAGS:
        raise AclError(f"--type {kind!r}: expected addressbook or calendar")
    stored = f"{GROUPS_ROOT}/{group}/{name}"
    if store.collection(stored) is not None:
        raise AclError(f"/{stored}/ already exists")
    store.ensure_folder(GROUPS_ROOT, actor)
    store.ensure_folder(f"{GROUPS_ROOT}/{group}", actor)
    store.replace_collection(stored, {"tag": COLLECTION_TAGS[kind],
                                      "D:displayname": displayname or name}, [], actor)
    return f"/{stored}/"


# -- shares -----------------------------------------------------------------------
def _target(to: str) -> tuple[str, str]:
    """``user:bob`` -> ("bob", "bob"); ``group:sales`` -> (":sales", "{user}")."""
    try:
        check_principal(to)
    except ValueError as exc:
        raise AclError(str(exc)) from None
    kind, _, name = to.partition(":")
    if kind == "user":
        return name, name
    if kind == "group":
        return f":{name}", "{user}"
    raise AclError("share with user:NAME or group:NAME (use a [[grant]] for everybody)")


def _collection(store: Store, path: str) -> dict[str, str]:
    try:
        canonical_path(path)
    except ValueError as exc:
        raise AclError(str(exc)) from None
    found = store.collection("/".join(split(path)))
    if found is None or not found.tag:
        raise AclError(f"{path} is not an address book or calendar")
    return dict(found.props)


def share_grant(store: Store, policy: Policy, actor: str, path: str, to: str,
                access: str) -> str:
    """Give ``to`` access to the collection at ``path``; returns where it is recorded.

    Collections in a home become a map share (mounted in the sharee's home);
    group collections have no single owner, so they get a rights-file grant.
    """
    if access not in ACCESS_LEVELS:
        raise AclError(f"--access {access!r}: expected one of {', '.join(ACCESS_LEVELS)}")
    props = _collection(store, path)
    user_name, home = _target(to)
    if to.startswith("group:") and to[6:] not in policy.rules().groups:
        raise AclError(f"group {to[6:]!r} does not exist")
    if split(path)[0] == GROUPS_ROOT:
        _edit(store, policy, actor, "grant.add", path, {"to": to, "access": access},
              editor.add_grant, path, to, access)
        return "rights file"
    if user_name == split(path)[0]:
        raise AclError(f"{to} already owns {path}")
    try:  # the same rule as the sharing API: the mount lies in the sharee's own home
        sharing_policy.check_create_map(policy, split(path)[0], path,
                                        SHARE_PERMISSIONS[access], user_name,
                                        mounts.mount_path(home, path))
    except sharing_policy.SharingRefused as exc:
        raise AclError(str(exc)) from None
    fields: dict[str, Any]  # mixed values: strings, flags and a properties mapping
    fields = {"ShareType": "map", "PathOrToken": mounts.mount_path(home, path),
              "PathMapped": path, "Conversion": "none", "Owner": split(path)[0],
              "User": user_name, "Permissions": SHARE_PERMISSIONS[access],
              "EnabledByOwner": True, "EnabledByUser": True,
              "HiddenByOwner": False, "HiddenByUser": False,
              "Properties": {"D:displayname": mounts.display_name(props, path)}}
    with store.writing() as conn:
        existing = conn.execute(select(shares.c.id).where(
            shares.c.share_type == "map", shares.c.path_mapped == path,
            shares.c.user_name == user_name)).scalar()
        if existing is not None:
            share_table.change(conn, store.origin(actor), "map", fields["PathOrToken"], [user_name],
                              {"Permissions": fields["Permissions"]}, store.change_feeds)
            share_id = existing
        else:
            if home != "{user}" and mounts.exists(conn, fields["PathOrToken"]):
                raise AclError(f"{fields['PathOrToken']} already exists in {user_name}'s home")
            share_id = share_table.create(conn, store.origin(actor), fields,
                                          store.change_feeds)
    policy.shares_changed()
    return f"share {share_id}"


def share_revoke(store: Store, policy: Policy, actor: str, path: str, to: str
                 ) -> list[str]:
    """Remove every share and grant of ``path`` to ``to``; returns what was removed."""
    user_name, _ = _target(to)
    removed: list[str] = []
    with store.writing() as conn:
        rows = conn.execute(select(shares.c.id, shares.c.path_or_token).where(
            shares.c.path_mapped == path, shares.c.user_name == user_name)).all()
        for row in rows:
            share_table.remove(conn, store.origin(actor), "map", row.path_or_token, [user_name],
                              lambda user, path: sharing_policy.manages_outside_shares(
                                  policy, user, path), store.change_feeds)
            removed.append(f"share {row.id}")
    policy.shares_changed()
    rules = policy.rules()
    if any(g.path == path and g.to == to for g in rules.grants):
        _edit(store, policy, actor, "grant.remove", path, {"to": to},
              editor.remove_grant, path, to)
        removed.append("rights file grant")
    if not removed:
        raise AclError(f"{to} has no share or grant on {path}")
    return removed


def reachable(store: Store, policy: Policy, user: str) -> list[dict[str, Any]]:
    """Every collection ``user`` can read, its access and where each right comes from."""
    with store.reading() as conn:
        paths = [row.path for row in conn.execute(
            select(collections.c.path).where(collections.c.tag != "")
            .order_by(collections.c.path))]
    result = []
    for stored in paths:
        path = f"/{stored}/"
        sources = policy.sources(user, path)
        letters = "".join(sorted({letter for s in sources for letter in s.letters}))
        if "r" not in letters:
            continue
        result.append({"path": path, "access": "write" if "w" in letters else "read",
                       "sources": [f"{s.kind}: {s.ref}" for s in sources]})
    return result


def all_shares(store: Store, policy: Policy, owner: str | None = None
               ) -> list[dict[str, Any]]:
    """Every DB share, link and rights-file grant (of ``owner``'s collections only, when
    given), whoever made it, for an admin's or an owner's overview."""
    letters_to_access = {"r": "read", "rw": "write", "rwD": "admin"}
    with store.reading() as conn:
        rows = conn.execute(select(shares).order_by(shares.c.id)).all()

    def wanted(path: str) -> bool:
        return owner is None or split(path)[:1] == [owner]
    result = [{"path": row.path_mapped,
               "to": row.user_name if row.share_type == "map" else "anyone with the link",
               "mount": row.path_or_token if row.share_type == "map" else "",
               "link": row.path_or_token if row.share_type == "token" else "",
               "by": row.owner, "expires": row.expires_at,
               "access": letters_to_access.get(row.permissions, row.permissions),
               "source": f"{'link' if row.share_type == 'token' else 'share'} {row.id}"}
              for row in rows if wanted(row.path_mapped)]
    for grant in policy.rules().grants:
        if wanted(grant.path):
            result.append({"path": grant.path, "to": grant.to, "mount": "", "link": "",
                           "by": "rights file", "expires": None, "access": grant.access,
                           "source": f"rights file line {grant.line}"})
    return result
