"""Effective rights: the union of everything that grants access, deny by default.

Pure functions over RightsRules and share rows, so they can be tested without a
server. Output is Radicale permission letters (upper case for plain folders,
lower case for address books/calendars; Radicale picks the one that fits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from cms_dav.acl.rules import Grant, RightsRules

GROUPS_ROOT = "groups"
ACCESS_LETTERS = {"read": "Rr", "write": "RrWw", "admin": "RrWwM"}
OWNER_HOME = "RW"
OWNER_COLLECTION = "rwM"
ADMIN_ALL = "RWrwM"
GROUP_COLLECTION = "rwd"
#: letters a share row may contribute when a user reaches the owner's path directly
SHARE_LETTERS = set("rwif")
#: in a share row: "the sharee may manage the shares of this collection" (an admin share)
ADMIN_SHARE = "D"
#: in effective letters: "may manage the shares of this collection" (owner, admin, admin share)
MANAGER = "M"


@dataclass(frozen=True)
class ShareGrant:
    """A share from the database reduced to what the rights computation needs."""
    id: int
    path: str          # the owner's collection ("/alice/team-cal/")
    permissions: str   # Radicale letters from the share row, already cut to what
                       # its creator holds (cms_dav.acl.policy does that)
    user: str          # "bob" or ":sales,support"
    owner: str = ""    # the share's creator (Radicale's ``Owner``)
    accepted: bool = True  # EnabledByUser: a share waits for its sharee's consent

    def applies_to(self, user: str, groups: frozenset[str]) -> bool:
        if self.user.startswith(":"):
            return bool(groups.intersection(self.user[1:].split(",")))
        return self.user == user


@dataclass(frozen=True)
class Source:
    """Why a user has access: shown by `cms-dav share list`."""
    kind: str      # "owner" | "admin" | "group" | "rights-file" | "share"
    ref: str       # e.g. "line 12", "share 7", "group sales"
    letters: str


def split(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix)


def sources(user: str, groups: frozenset[str], path: str, rules: RightsRules,
            shares: Iterable[ShareGrant] = (),
            group_collection_exists: Callable[[str], bool] = lambda path: True
            ) -> list[Source]:
    """Every rule that gives ``user`` access to ``path`` (a sanitized "/a/b/" path).

    ``group_collection_exists("/groups/g/c/")`` keeps members from creating group
    collections themselves: only an admin does that (``cms-dav group collection add``).
    """
    if not user:
        return []
    found: list[Source] = []
    parts = split(path)
    if any(part in (".", "..") or "\\" in part for part in parts):
        return []  # Radicale sanitizes paths; refuse anything that was not
    if not parts:
        return [Source("authenticated", "root", "R")]
    if user in rules.admins:
        found.append(Source("admin", "admins", ADMIN_ALL))
    if parts[0] == user:
        found.append(Source("owner", f"home /{user}/",
                            OWNER_HOME if len(parts) == 1 else OWNER_COLLECTION))
    if parts[0] == GROUPS_ROOT:
        found.extend(_group_sources(parts, groups, group_collection_exists))
    canonical = "/" + "/".join(parts) + "/"
    for grant in rules.grants:
        if grant.applies_to(user, groups) and _under(canonical, grant.path):
            found.append(Source("rights-file", f"line {grant.line}", _grant_letters(grant)))
    for share in shares:
        if share.accepted and share.applies_to(user, groups) and _under(canonical, share.path):
            granted = SHARE_LETTERS.intersection(share.permissions)
            if ADMIN_SHARE in share.permissions:
                granted.add(MANAGER)
            letters = "".join(sorted(granted))
            if letters:
                found.append(Source("share", f"share {share.id}", letters))
    return found


def _group_sources(parts: list[str], groups: frozenset[str],
                   exists: Callable[[str], bool]) -> list[Source]:
    if len(parts) == 1:
        return [Source("group", "member of a group", "R")] if groups else []
    group = parts[1]
    if group not in groups:
        return []
    if len(parts) == 2:
        return [Source("group", f"group {group}", "R")]
    if not exists("/" + "/".join(parts[:3]) + "/"):
        return []
    # "d": members share the collection, they must not delete it for everybody
    return [Source("group", f"group {group}", GROUP_COLLECTION)]


def _grant_letters(grant: Grant) -> str:
    return ACCESS_LETTERS[grant.access]


def letters(user: str, groups: frozenset[str], path: str, rules: RightsRules,
            shares: Iterable[ShareGrant] = (),
            group_collection_exists: Callable[[str], bool] = lambda path: True) -> str:
    """The union of all sources as a sorted letter string ("" = no access)."""
    union: set[str] = set()
    for source in sources(user, groups, path, rules, shares, group_collection_exists):
        union.update(source.letters)
    return "".join(sorted(union))
