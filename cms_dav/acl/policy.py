"""The ACL store: rights file + shares table -> effective rights, with no stale cache.

A share gives its sharee at most what its creator holds *now*: its letters are cut to
the creator's effective letters on the shared collection, computed without that share
(and at most ``MAX_SHARE_DEPTH`` shares deep, so cycles are impossible). Revoking a
share, removing a user from a group or deleting a user therefore reaches every share
and link derived from it on the next request, on every process.

Nothing outlives a request: Radicale asks for rights once per item of a Depth-1
PROPFIND, so answers are memoized per request (``cms_dav.request_context``) only.
The rights file is re-read when its signature changes (checked once per request).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from cms_dav import request_context
from cms_dav.acl import mounts, permissions, share_table
from cms_dav.acl.permissions import ADMIN_SHARE, MANAGER, SHARE_LETTERS, ShareGrant, Source
from cms_dav.acl.rightsfile import RightsFile
from cms_dav.acl.rules import RightsRules
from cms_dav.store.engine import read_tx

#: how many shares deep a creator's rights are followed (alice -> bob -> carol -> ...)
MAX_SHARE_DEPTH = 4


def canonical(path: str) -> str:
    parts = permissions.split(path)
    return "/" + "/".join(parts) + "/" if parts else "/"


class Policy:
    """Effective rights from one rights file and (when given) one database's shares.

    Built once per App (:func:`cms_dav.app.build_app`) and handed to every door."""

    def __init__(self, rights: RightsFile, engine: Engine | None = None) -> None:
        self.file = rights
        self.engine = engine
        #: names the database in per-request memo keys
        self.database_url = engine.url.render_as_string(hide_password=True) if engine is not None else None

    def rules(self) -> RightsRules:
        return self.file.rules()

    def groups_of(self, user: str) -> frozenset[str]:
        return self.rules().groups_of(user)

    def shares_changed(self) -> None:
        """Call after a share changed: this request's memoized answers are stale."""
        request_context.forget()

    def authorization(self, user: str, path: str) -> str:
        """Radicale letters of ``user`` on ``path`` ("" = no access; "M" = manages shares)."""
        return request_context.memoized(
            ("acl.letters", self.database_url, user, path),
            lambda: self._letters(user, path, frozenset(), 0))

    def sources(self, user: str, path: str) -> list[Source]:
        return self._sources(user, path, frozenset(), 0)

    def _letters(self, user: str, path: str, excluded: frozenset[int], depth: int) -> str:
        union: set[str] = set()
        for source in self._sources(user, path, excluded, depth):
            union.update(source.letters)
        return "".join(sorted(union))

    def _sources(self, user: str, path: str, excluded: frozenset[int],
                 depth: int) -> list[Source]:
        rules = self.rules()
        groups = rules.groups_of(user)
        target = canonical(path)
        grants = []
        for share in self._share_grants(user):
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
        held_letters = request_context.memoized(
            key, lambda: self._letters(share.owner, share.path, excluded | {share.id},
                                       depth + 1))
        held = set(held_letters.lower()) & SHARE_LETTERS
        if MANAGER in held_letters:
            held.add(ADMIN_SHARE)
        return replace(share, permissions="".join(
            letter for letter in share.permissions if letter in held))

    def _collection_exists(self, path: str) -> bool:
        if self.engine is None:
            return True
        with read_tx(self.engine) as conn:
            return mounts.exists(conn, path)

    def _share_grants(self, user: str) -> list[ShareGrant]:
        if not user or self.engine is None:
            return []
        url, engine = self.database_url, self.engine

        def load() -> list[ShareGrant]:
            with read_tx(engine) as conn:
                return share_table.grants_for(conn, user)
        return request_context.memoized(("acl.grants", url, user), load)
