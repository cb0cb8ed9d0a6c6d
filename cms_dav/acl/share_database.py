"""Radicale's share-database operations over SQL, plus the rights-file mounts.

The plugin in ``cms_dav_plugins.sharing`` only forwards to this class. Matching of
group (``:sales``) and ``{user}`` rows is Radicale's own
(``database_common_check_row_match``, reached through :mod:`cms_dav.radicale_compat`),
so behaviour equals the csv backend's.
"""

from __future__ import annotations

import builtins
import copy
import logging
import time
from typing import Any, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from cms_dav import radicale_compat
from cms_dav.acl import mounts, share_table, sharing_policy
from cms_dav.acl.permissions import ADMIN_SHARE, split
from cms_dav.acl.policy import Policy
from cms_dav.acl.sharing_policy import SharingRefused
from cms_dav.memo import Memo, remembered
from cms_dav.store.change_feed import ChangeFeed
from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.records import OriginOf, unknown_origin

logger = logging.getLogger("cms_dav.acl")

GROUP_PLACEHOLDER = "{user}"
_FLAGS = ("EnabledByOwner", "EnabledByUser", "HiddenByOwner", "HiddenByUser")


def _plain(name: str | None) -> str | None:
    """``bob:sales,support`` -> ``bob`` (Radicale appends the groups to the user)."""
    return None if name is None else name.split(":")[0]


def _with_groups(user: str, policy: Policy) -> str:
    groups = sorted(policy.groups_of(user))
    return f"{user}:{','.join(groups)}" if groups else user


def _grouped(name: str | None, policy: Policy) -> str | None:
    """Add the rights-file groups to a bare user name.

    Radicale 3.9 consults the group plugin only for ``[group] type = htgroup``, so
    with ours every request arrives without groups and group shares (``:sales``)
    would never match: not in the home listing, not resolvable."""
    if name is None or ":" in name or GROUP_PLACEHOLDER in name:
        return name
    return _with_groups(name, policy)


class ShareDatabase:
    #: where share rows are kept between lookups (see :meth:`remembering`); None = nowhere
    memo: Memo | None = None

    def __init__(self, engine: Engine, policy: Policy, public_links: bool = False,
                 link_days: int = 30, origin_of: OriginOf = unknown_origin,
                 change_feeds: Sequence[ChangeFeed] = ()) -> None:
        self.engine = engine
        #: told of every share granted or revoked, in its transaction (the outbox)
        self.change_feeds = tuple(change_feeds)
        #: the origin (door, address, method) of a share change, for the audit trail
        self.origin_of = origin_of
        self.policy = policy
        self.public_links = public_links
        self.link_days = link_days

    def remembering(self, memo: Memo | None) -> ShareDatabase:
        """This share database (and its policy) keeping lookups in ``memo``: Radicale
        asks for the same shares once per path prefix of one request. Every write here
        clears the memo (``Policy.shares_changed``)."""
        bound = copy.copy(self)
        bound.memo = memo
        bound.policy = self.policy.remembering(memo)
        return bound

    def verify(self) -> bool:
        with read_tx(self.engine) as conn:
            share_table.candidates(conn, share_type="none")
        return True

    # -- reads --------------------------------------------------------------------
    def list(self, OwnerOrUser: str | None = None, ShareType: str | None = None,
             PathOrToken: str | None = None, PathMapped: str | None = None,
             User: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        User, OwnerOrUser = _grouped(User, self.policy), _grouped(OwnerOrUser, self.policy)
        user = _plain(User)
        owner_or_user = _plain(OwnerOrUser)
        viewer = user or owner_or_user or self._user_of(PathOrToken)
        rows, mounted = remembered(
            self.memo,
            ("shares", self.policy.database_url, ShareType, user, owner_or_user, PathMapped,
             viewer),
            lambda: self._rows(ShareType, user, owner_or_user, PathMapped, viewer))
        flags = {k: v for k, v in filters.items() if k in _FLAGS and v is not None}
        others = {k: v for k, v in filters.items() if k not in _FLAGS}
        matched = []
        for row in rows:
            hit = radicale_compat.share_row_match(
                row=row, OwnerOrUser=OwnerOrUser, ShareType=ShareType,
                PathOrToken=PathOrToken, PathMapped=PathMapped, User=User, **others)
            if hit is not None and not (hit["ShareType"] == "map"
                                        and hit["PathOrToken"] in mounted):
                matched.append(hit)
        # flags last: a user's own row (e.g. "hidden by me") must replace the group
        # row it overrides before the "enabled and visible" filter looks at it
        unique = radicale_compat.drop_resolved_duplicate_shares(matched)
        if User is None and owner_or_user:
            # the sharing API's listing: a manager also sees the shares others made
            unique += self._managed(owner_or_user, unique, ShareType, PathOrToken,
                                    PathMapped, others.get("Conversion"))
        return [row for row in unique if all(row[k] == v for k, v in flags.items())]

    def _managed(self, viewer: str, seen: builtins.list[dict[str, Any]], share_type: str | None,
                 path_or_token: str | None, path_mapped: str | None,
                 conversion: str | None) -> builtins.list[dict[str, Any]]:
        """Shares of the collections ``viewer`` manages that the matcher left out."""
        known = {(row["ShareType"], row["PathOrToken"], row["User"]) for row in seen}
        with read_tx(self.engine) as conn:
            rows = share_table.of_collections(
                conn, self._managed_paths(conn, viewer, path_mapped), share_type)
        return [row for row in rows
                if (row["ShareType"], row["PathOrToken"], row["User"]) not in known
                and (path_or_token is None or row["PathOrToken"] == path_or_token)
                and (conversion is None or row["Conversion"] == conversion)
                and sharing_policy.may_list(self.policy, viewer, row)]

    def _managed_paths(self, conn: Any, viewer: str, path_mapped: str | None) -> builtins.list[str]:
        if path_mapped is not None:
            return [path_mapped]
        if viewer in self.policy.rules().admins:
            return sorted({row["PathMapped"] for row in share_table.candidates(conn)})
        own = sorted({row["PathMapped"] for row in share_table.candidates(conn)
                      if split(row["PathMapped"])[:1] == [viewer]})
        delegated = [grant.path for grant in share_table.grants_for(conn, viewer)
                     if ADMIN_SHARE in grant.permissions]
        return own + delegated

    def _rows(self, share_type: str | None, user: str | None, owner_or_user: str | None,
              path_mapped: str | None, viewer: str | None
              ) -> tuple[builtins.list[dict[str, Any]], set[str]]:
        with read_tx(self.engine) as conn:
            rows = share_table.candidates(conn, share_type, user, owner_or_user, path_mapped)
            if viewer and share_type in (None, "map"):
                rows += [row for row in mounts.synthetic_shares(conn, viewer,
                                                                self.policy.rules())
                         if path_mapped is None or row["PathMapped"] == path_mapped]
            return rows, self._own_collections(conn, rows)

    def get(self, ShareType: str, PathOrToken: str, OnlyEnabled: bool = True,
            User: str | None = None) -> dict[str, Any] | None:
        if ShareType == "token" and not self.public_links:
            return None  # links switched off: every link is dead at once
        for row in self.list(ShareType=ShareType, PathOrToken=PathOrToken, User=User):
            if OnlyEnabled and not (row["EnabledByOwner"] and row["EnabledByUser"]):
                continue
            result = dict(row)
            result.update(mapped=True, Hidden=row["HiddenByOwner"] or row["HiddenByUser"])
            return result
        return None

    @staticmethod
    def _user_of(path: str | None) -> str | None:
        parts = split(path or "")
        return parts[0] if parts and GROUP_PLACEHOLDER not in parts[0] \
            and not (path or "").startswith("/.token/") else None

    @staticmethod
    def _own_collections(conn: Any, rows: builtins.list[dict[str, Any]]) -> set[str]:
        """Mount paths that are real collections: the owner of the home wins there."""
        return {row["PathOrToken"] for row in rows if row["ShareType"] == "map"
                and GROUP_PLACEHOLDER not in row["PathOrToken"]
                and mounts.exists(conn, row["PathOrToken"])}

    # -- writes -------------------------------------------------------------------
    def create(self, **fields: Any) -> dict[str, str]:
        problem = self.refuse(fields)
        if problem:
            logger.warning("share refused: %s", problem)
            return {"status": "permission-denied"}
        actor, target = str(fields["Owner"]), str(fields["User"])
        if target != actor and not sharing_policy.auto_accepted(self.policy, actor):
            # a share into someone else's home waits for that user's consent
            fields.update(EnabledByUser=False, HiddenByUser=True)
        if fields["ShareType"] == "token":
            fields["ExpiresAt"] = time.time() + self.link_days * 86400
        fields["TimestampCreated"] = fields.pop("Timestamp", 0)
        try:
            with write_tx(self.engine) as conn:
                if fields["ShareType"] == "map" and mounts.exists(conn, fields["PathOrToken"]):
                    return {"status": "conflict"}
                share_table.create(conn, self.origin_of(str(fields["Owner"])), fields,
                                   self.change_feeds)
        except IntegrityError:
            return {"status": "conflict"}
        self.policy.shares_changed()
        return {"status": "success"}

    def refuse(self, fields: dict[str, Any]) -> str | None:
        """Why a share must not be created (None = fine), by the sharing policy: the
        same check the sharing API makes before Radicale sees the request."""
        actor, path = str(fields["Owner"]), str(fields["PathMapped"])
        letters = str(fields.get("Permissions") or "")
        try:
            if fields["ShareType"] == "token":
                sharing_policy.check_create_link(self.policy, actor, path, letters,
                                                 self.public_links)
            else:
                sharing_policy.check_create_map(self.policy, actor, path, letters,
                                                str(fields["User"]),
                                                str(fields["PathOrToken"]))
        except SharingRefused as exc:
            return str(exc)
        return None

    def update(self, ShareType: str, PathOrToken: str, OwnerOrUser: str | None = None,
               User: str | None = None, Timestamp: int = 0, **changes: Any) -> dict[str, str]:
        values = {k: v for k, v in changes.items() if v is not None}
        if User is not None:
            values["User"] = User
        if self._is_synthetic(PathOrToken):
            return {"status": "permission-denied"}
        with write_tx(self.engine) as conn:
            names = [row["User"] for row in share_table.candidates(conn, ShareType)
                     if row["PathOrToken"] == PathOrToken]
            count = share_table.change(conn, self.origin_of(_plain(OwnerOrUser) or ""),
                                      ShareType, PathOrToken, names, values,
                                      self.change_feeds) if names else 0
        self.policy.shares_changed()
        return {"status": "success" if count else "not-found"}

    def delete(self, ShareType: str, PathOrToken: str, User: str) -> dict[str, str]:
        if self._is_synthetic(PathOrToken):
            return {"status": "permission-denied"}
        with write_tx(self.engine) as conn:
            names = [row["User"] for row in share_table.candidates(conn, ShareType)
                     if row["PathOrToken"] == PathOrToken]
            count = share_table.remove(conn, self.origin_of(_plain(User) or ""), ShareType,
                                      PathOrToken, names, self._still_manages,
                                      self.change_feeds)
        self.policy.shares_changed()
        return {"status": "success" if count else "not-found"}

    def _still_manages(self, user: str, path: str) -> bool:
        return sharing_policy.manages_outside_shares(self.policy, user, path)

    def _is_synthetic(self, path_or_token: str) -> bool:
        viewer = self._user_of(path_or_token)
        if not viewer:
            return False
        with read_tx(self.engine) as conn:
            return any(row["PathOrToken"] == path_or_token for row in
                       mounts.synthetic_shares(conn, viewer, self.policy.rules()))

    def unmount(self, user: str, path: str) -> bool:
        """A sharee deleting a mounted collection: remove only that user's mount.

        A personal share row is deleted; a group share is hidden for this user alone
        by a per-user row that overrides the group row. Rights-file mounts cannot be
        removed by the user (the admin's policy)."""
        share = self.get("map", path, OnlyEnabled=False, User=_with_groups(user, self.policy))
        if share is None or self._is_synthetic(path):
            return False
        with write_tx(self.engine) as conn:
            if share_table.share_id(conn, "map", path, user) is not None:
                share_table.remove(conn, self.origin_of(user), "map", path, [user],
                                   self._still_manages, self.change_feeds)
            else:
                fields = {k: share[k] for k in share_table.COLUMNS if k in share}
                fields.update(User=user, PathOrToken=path, EnabledByUser=False,
                              HiddenByUser=True, Properties=share.get("Properties"),
                              Actions=share.get("Actions"),
                              Permissions=share["Permissions"].replace("U", ""))
                share_table.create(conn, self.origin_of(user), fields,
                                   self.change_feeds)
        self.policy.shares_changed()
        return True

    # -- what the sharing API gate does itself ----------------------------------------
    def find(self, share_type: str, path_or_token: str) -> dict[str, Any] | None:
        """The stored share at ``path_or_token`` (a group share by its ``{user}`` path)."""
        with read_tx(self.engine) as conn:
            rows = [row for row in share_table.candidates(conn, share_type)
                    if row["PathOrToken"] == path_or_token]
        return rows[0] if rows else None

    def received(self, user: str, path: str) -> dict[str, Any] | None:
        """The share mounted at ``path`` for ``user`` (a group share resolved for them)."""
        return self.get("map", path, OnlyEnabled=False, User=_with_groups(user, self.policy))

    def member_toggle(self, user: str, path: str, enabled: bool | None = None,
                      hidden: bool | None = None) -> bool:
        """A group member accepts/declines/hides a group share for themself alone,
        through a personal row that overrides the group row (Radicale's API refuses
        toggles on group shares)."""
        share = self.received(user, path)
        if share is None or self._is_synthetic(path):
            return False
        flags: dict[str, Any] = {}
        if enabled is not None:
            flags["EnabledByUser"] = enabled
        if hidden is not None:
            flags["HiddenByUser"] = hidden
        with write_tx(self.engine) as conn:
            if share_table.share_id(conn, "map", path, user) is not None:
                share_table.change(conn, self.origin_of(user), "map", path, [user], flags,
                                   self.change_feeds)
            else:
                fields = {k: share[k] for k in share_table.COLUMNS if k in share}
                fields.update(User=user, PathOrToken=path, Properties=share.get("Properties"),
                              Actions=share.get("Actions"),
                              Permissions=share["Permissions"].replace("U", ""), **flags)
                share_table.create(conn, self.origin_of(user), fields,
                                   self.change_feeds)
        self.policy.shares_changed()
        return True
