"""The ACL store: rights file + shares table -> effective rights, with no stale cache.

A share gives its sharee at most what its creator holds *now*: its letters are cut to
the creator's effective letters on the shared collection, computed without that share
(and at most ``MAX_SHARE_DEPTH`` shares deep, so cycles are impossible). Revoking a
share, removing a user from a group or deleting a user therefore reaches every share
and link derived from it on the next request, on every process.

Nothing is cached here between questions. Radicale asks for rights once per item of a
Depth-1 PROPFIND, so its adapters (``plugins/cms_dav_plugins``) ask through
:meth:`Policy.remembering` with the memo of their request: then each answer, each
share lookup and one look at the rights file are kept in that memo until it is
cleared (by a share write through this policy, or by the adapter around its writes).
Unbound, every question is answered afresh and the rights file is looked at every
``check_interval`` seconds (``cms_dav.acl.rightsfile``).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Union, cast

from cms_dav.acl import generated, mounts, permissions, share_grants
from cms_dav.acl.permissions import ADMIN_SHARE, MANAGER, SHARE_LETTERS, ShareGrant, Source
from cms_dav.acl.rightsfile import RightsFile
from cms_dav.acl.rules import RightsRules
from cms_dav.memo import Memo, remembered
from cms_dav.store import resolved

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Engine

    from cms_dav.store.sql import Conn, Database

#: how many shares deep a creator's rights are followed (alice -> bob -> carol -> ...)
MAX_SHARE_DEPTH = 4


def canonical(path: str) -> str:
    parts = permissions.split(path)
    return "/" + "/".join(parts) + "/" if parts else "/"


class Policy:
    """Effective rights from one rights file and (when given) one database's shares.

    Built once per App (:func:`cms_dav.app.build_app`) and handed to every door."""

    #: where answers are kept between questions (see :meth:`remembering`); None = nowhere
    memo: Memo | None = None

    def __init__(self, rights: RightsFile,
                 engine: Union["Engine", "Database", None] = None) -> None:
        """``engine``: the SQLAlchemy engine of the shares and collections, or a
        :class:`cms_dav.store.sql.Database` (a read-only command on ``sqlite3``)."""
        self.file = rights
        self.engine = engine
        #: names the database in per-request memo keys
        self.database_url: str | None
        if engine is None:
            self.database_url = None
        elif hasattr(engine, "reading"):
            self.database_url = cast("Database", engine).database_url
        else:
            self.database_url = engine.url.render_as_string(hide_password=True)

    def _reading(self) -> AbstractContextManager[Conn]:
        """One read transaction on the policy's database (which must be set)."""
        engine = self.engine
        assert engine is not None
        if hasattr(engine, "reading"):
            return cast("Database", engine).reading()
        from cms_dav.store.engine import read_tx

        return read_tx(engine)

    def remembering(self, memo: Memo | None) -> Policy:
        """This policy, keeping its answers in ``memo`` until the memo is cleared.

        For a caller that asks many questions about one unchanging state (a door
        serving one request); the caller clears the memo when it changes that state."""
        bound = copy.copy(self)
        bound.memo = memo
        return bound

    def rules(self) -> RightsRules:
        if self.memo is None:
            return self.file.rules()
        # looked at once per memo: a change applies to the next request
        self.memo.get(("acl.rights-file", str(self.file.path)), self.file.refresh)
        return self.file.loaded

    def is_admin(self, user: str) -> bool:
        """Whether ``user`` is on the rights file's ``admins`` list."""
        return user in self.rules().admins

    def groups_of(self, user: str) -> frozenset[str]:
        return self.rules().groups_of(user)

    def members(self, group: str) -> frozenset[str]:
        """The members of ``group`` in the rights file (none for an unknown group)."""
        return self.rules().groups.get(group, frozenset())

    def shares_changed(self) -> None:
        """Call after a share changed: the answers kept in the memo are stale."""
        if self.memo is not None:
            self.memo.clear()

    def authorization(self, user: str, path: str) -> str:
        """Radicale letters of ``user`` on ``path`` ("" = no access; "M" = manages shares).

        A server-generated collection (birthdays, follow-ups) keeps only reading."""
        def decide() -> str:
            letters = self._letters(user, path, frozenset(), 0)
            if letters and self.generated_kind(path):
                return generated.read_only(letters)
            return letters
        return remembered(self.memo, ("acl.letters", self.database_url, user, path), decide)

    def reads_own(self, user: str, path: str) -> bool:
        """Whether ``user`` may read ``path`` because it lies in their own home, decided
        from the path and the login alone, without a query.

        :func:`cms_dav.acl.permissions.sources` always grants the owner of ``/<user>/``
        its letters there, and effective rights are a union (nothing in the rights file
        or the shares table takes letters away), so a ``True`` here is what
        :meth:`authorization` would answer ("r" or "R" among its letters; a generated
        collection keeps reading too). ``False`` says nothing: ask :meth:`authorization`
        (a sharee, a group member, an admin, a rights-file grant)."""
        parts = permissions.split(path)
        return bool(user) and len(parts) >= 1 and parts[0] == user \
            and not any(part in (".", "..") or "\\" in part for part in parts)

    def reads_items(self, user: str, path: str) -> bool:
        """Whether ``user`` may read the items of collection ``path`` ("r"): the own home
        from path and login alone (:meth:`reads_own`), anything else asks
        :meth:`authorization`. The doors that answer reads without Radicale (fast GET,
        fast multiget) ask this."""
        return self.reads_own(user, path) or "r" in self.authorization(user, path)

    def generated_kind(self, path: str) -> str | None:
        """What generated the collection at or above ``path`` ("birthdays", ...); None
        for a collection clients write (:mod:`cms_dav.acl.generated`)."""
        stored = generated.collection_path(path)
        if self.engine is None or stored is None:
            return None

        def look() -> str | None:
            # the store's lookup of this request may have found the collection already
            # (a PUT resolves its card's path, which finds the book): no query then
            known, record = resolved.known_collection(self.memo, stored)
            if known:
                return generated.kind_of(record)
            with self._reading() as conn:
                return generated.generated_kind(conn, path)
        return remembered(self.memo, ("acl.generated", self.database_url, stored), look)

    def sources(self, user: str, path: str) -> list[Source]:
        return self._sources(user, path, frozenset(), 0)

    def _letters(self, user: str, path: str, excluded: frozenset[int], depth: int) -> str:
        union: set[str] = set()
        # in the user's own collections shares add nothing: a share's letters are cut to
        # its creator's, which are at most r, w and M (``i``/``f`` are never held), all
        # owner letters already; so no share lookup there
        with_shares = not self._own_collection(user, path)
        for source in self._sources(user, path, excluded, depth, with_shares):
            union.update(source.letters)
        return "".join(sorted(union))

    @staticmethod
    def _own_collection(user: str, path: str) -> bool:
        parts = permissions.split(path)
        return (len(parts) >= 2 and parts[0] == user != permissions.GROUPS_ROOT
                and not any(part in (".", "..") or "\\" in part for part in parts))

    def _sources(self, user: str, path: str, excluded: frozenset[int],
                 depth: int, with_shares: bool = True) -> list[Source]:
        rules = self.rules()
        groups = rules.groups_of(user)
        target = canonical(path)
        grants = []
        for share in self._share_grants(user) if with_shares else ():
            if share.id in excluded or not share.accepted \
                    or not share.applies_to(user, groups) \
                    or not (target == share.path or target.startswith(share.path)):
                continue
            if depth >= MAX_SHARE_DEPTH:
                continue
            grants.append(self._cut_to_creator(share, excluded, depth))
        return permissions.sources(user, groups, path, rules, grants, self._collection_exists)

    def _cut_to_creator(self, share: ShareGrant, excluded: frozenset[int],
                        depth: int) -> ShareGrant:
        """The share with only the letters its creator holds on the shared collection."""
        key = ("acl.creator", self.database_url, share.owner, share.path, excluded | {share.id})
        held_letters = remembered(
            self.memo, key, lambda: self._letters(share.owner, share.path, excluded | {share.id},
                                       depth + 1))
        held = set(held_letters.lower()) & SHARE_LETTERS
        if MANAGER in held_letters:
            held.add(ADMIN_SHARE)
        return replace(share, permissions="".join(
            letter for letter in share.permissions if letter in held))

    def _collection_exists(self, path: str) -> bool:
        if self.engine is None:
            return True
        with self._reading() as conn:
            return mounts.exists(conn, path)

    def _share_grants(self, user: str) -> list[ShareGrant]:
        if not user or self.engine is None:
            return []
        def load() -> list[ShareGrant]:
            with self._reading() as conn:
                return share_grants.grants_for(conn, user)
        return remembered(self.memo, ("acl.grants", self.database_url, user), load)
