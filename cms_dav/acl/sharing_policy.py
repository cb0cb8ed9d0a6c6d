"""Who may share what: the one answer for the sharing API, the CLI and any later door.

Rules (docs/sharing.md):

* Only the collection's owner, a rights-file admin, or the holder of an explicit admin
  share (letter ``D`` in the share) manages the shares of a collection: create, change
  or delete them. These are exactly the actors whose effective letters contain ``M``.
* Nobody grants more than they hold: the requested access letters must be a subset of
  the actor's effective letters on the collection (an admin share can be passed on only
  by someone who manages the collection).
* A map share is mounted only in the sharee's own home (``/bob/<name>/``), or in every
  member's home for a group (``/{user}/<name>/``).
* Public (token) links: off unless ``[sharing] public_links = true``; then only the
  owner or an admin makes them.
* A sharee sees the shares it received; a creator those it made; a manager all of them.

Pure decisions over a :class:`~cms_dav.acl.policy.Policy`: no HTTP, no SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from cms_dav.acl.permissions import ADMIN_SHARE, MANAGER, SHARE_LETTERS, split
from cms_dav.acl.policy import Policy

GROUP_PLACEHOLDER = "{user}"
#: letters of a share request that carry access (the rest are Radicale display flags)
GRANTABLE = frozenset(SHARE_LETTERS | {ADMIN_SHARE})


class SharingRefused(PermissionError):
    """A sharing request the policy refuses; the message says why, for a 403 body."""


@dataclass(frozen=True)
class Holding:
    """What ``actor`` holds on a collection, as far as sharing is concerned."""
    letters: frozenset[str]   # grantable letters the actor holds (r, w, i, f, D)
    manager: bool             # may create/change/delete shares of the collection
    owner: bool               # the collection lies in the actor's home
    admin: bool               # rights-file admin


def holding(policy: Policy, actor: str, path: str) -> Holding:
    effective = policy.authorization(actor, path)
    held = set(effective.lower()) & SHARE_LETTERS
    manager = MANAGER in effective
    if manager:
        held.add(ADMIN_SHARE)
    parts = split(path)
    return Holding(frozenset(held), manager, bool(parts) and parts[0] == actor,
                   actor in policy.rules().admins)


def _require_manager(held: Holding, actor: str, path: str) -> None:
    if not held.manager:
        raise SharingRefused(
            f"{actor} may not manage the shares of {path}: only its owner, an admin or "
            "the holder of an admin share may")


def check_grant(policy: Policy, actor: str, path: str, letters: str) -> None:
    """Raise unless ``actor`` manages ``path`` and holds every letter it grants."""
    held = holding(policy, actor, path)
    _require_manager(held, actor, path)
    missing = sorted(set(letters) & GRANTABLE - held.letters)
    if missing:
        raise SharingRefused(
            f"{actor} may not grant {''.join(missing)!r} on {path}: they hold only "
            f"{''.join(sorted(held.letters))!r}")


def check_create_map(policy: Policy, actor: str, path: str, letters: str,
                     target: str, mount: str) -> None:
    """May ``actor`` share ``path`` with ``target`` (user, ``:group``) at ``mount``?"""
    check_grant(policy, actor, path, letters)
    parts = split(mount)
    expected = GROUP_PLACEHOLDER if target.startswith((":", "@")) else target
    if len(parts) != 2 or not mount.endswith("/") or parts[0] != expected:
        raise SharingRefused(
            f"mount {mount!r} must be /{expected}/<name>/: a share is placed only in the "
            "home of the user it is for")


def check_create_link(policy: Policy, actor: str, path: str, letters: str,
                      public_links: bool) -> None:
    """May ``actor`` make an anonymous link to ``path`` with ``letters``?"""
    if not public_links:
        raise SharingRefused("public links are disabled on this server "
                             "([sharing] public_links = false)")
    held = holding(policy, actor, path)
    if not (held.owner or held.admin):
        raise SharingRefused(f"only the owner of {path} or an admin may create a public link")
    check_grant(policy, actor, path, letters)


def check_change(policy: Policy, actor: str, share: Mapping[str, Any],
                 letters: str | None) -> None:
    """May ``actor`` (who must have created it) change ``share`` to ``letters``?"""
    if share["Owner"] != actor:
        raise SharingRefused(f"only the creator of this share ({share['Owner']}) may change "
                             "it; a manager of the collection may delete it")
    path = str(share["PathMapped"])
    check_grant(policy, actor, path, letters if letters is not None
                else str(share["Permissions"]))


def may_delete(policy: Policy, actor: str, share: Mapping[str, Any]) -> bool:
    """The creator (always: that only takes access away) or a manager of the collection."""
    return share["Owner"] == actor or holding(policy, actor, str(share["PathMapped"])).manager


def may_list(policy: Policy, actor: str, share: Mapping[str, Any]) -> bool:
    """Which shares of a collection ``actor`` may see in a listing."""
    if share["Owner"] == actor or share["User"] == actor:
        return True
    user = str(share["User"])
    if user.startswith(":") and user[1:] and \
            policy.groups_of(actor) & set(user[1:].split(",")):
        return True
    return holding(policy, actor, str(share["PathMapped"])).manager


def auto_accepted(policy: Policy, actor: str) -> bool:
    """Shares made by an admin take effect at once; everybody else's wait for the
    sharee's consent (so nobody is planted into another user's home)."""
    return actor in policy.rules().admins


def manages_outside_shares(policy: Policy, user: str, path: str) -> bool:
    """Whether ``user`` manages ``path`` without any share: owner, admin, or a rights-file
    ``admin`` grant. Used to decide which derived shares die with a revoked one."""
    rules = policy.rules()
    if user in rules.admins or split(path)[:1] == [user]:
        return True
    groups = rules.groups_of(user)
    target = "/" + "/".join(split(path)) + "/"
    return any(grant.access == "admin" and grant.applies_to(user, groups)
               and target.startswith(grant.path) for grant in rules.grants)
