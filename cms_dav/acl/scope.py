"""What a login's scope lets it do: the one answer for DAV and the JSON API alike.

A plain password logs in with scope ``full``; an app password (issue 15 item 2) with the
scope it was created with:

* ``read``: read data (PROPFIND, REPORT, GET, the sharing API's ``list``/``info``);
  every write is refused (PUT, DELETE, MKCOL, MKCALENDAR, PROPPATCH, MOVE, sharing);
* ``write``: read and change data (contacts, calendars, collections, their properties)
  but not who else sees it: creating, changing or deleting shares and share links
  grants access to other people, which a sync client or an integration feeding data
  never needs (removing a share mounted in one's own home is a write of that home);
* ``admin``: everything the user's plain password allows, including sharing and, for
  a user on the rights file's admin list, the admin-only routes of the API.

A scope only ever takes away: the effective rights are still the ACL policy's
(:class:`cms_dav.acl.policy.Policy`); :func:`cut_letters` removes the letters a scope
does not allow from the policy's answer.
"""

from __future__ import annotations

#: a login with the user's own password
FULL = "full"
#: the scopes an app password can have, weakest first
TOKEN_SCOPES = ("read", "write", "admin")

READ, WRITE, SHARE, ADMIN = "read", "write", "share", "admin"
ACTIONS = (READ, WRITE, SHARE, ADMIN)

_ALLOWED = {
    "read": frozenset({READ}),
    "write": frozenset({READ, WRITE}),
    "admin": frozenset(ACTIONS),
    FULL: frozenset(ACTIONS),
}

#: Radicale permission letters that grant writing (``W``/``w`` write, ``D`` delete a
#: collection, ``O`` overwrite one) or sharing (``M`` manage/map shares, ``T`` token
#: shares, ``P``/``E`` share property overlays); lower-case deny letters always stay
_WRITE_LETTERS = frozenset("WwDO")
_SHARE_LETTERS = frozenset("MTPE")


def scope_allows(scope: str, action: str) -> bool:
    """Whether a login with ``scope`` may do ``action`` (read, write, share, admin).

    An unknown or empty scope allows nothing: a door that forgot to record the scope
    fails closed."""
    return action in _ALLOWED.get(scope, frozenset())


def cut_letters(scope: str, letters: str) -> str:
    """The policy's Radicale ``letters`` without those ``scope`` does not allow."""
    dropped: set[str] = set()
    if not scope_allows(scope, WRITE):
        dropped |= _WRITE_LETTERS
    if not scope_allows(scope, SHARE):
        dropped |= _SHARE_LETTERS
    if not scope_allows(scope, READ):
        return ""
    return "".join(letter for letter in letters if letter not in dropped)
