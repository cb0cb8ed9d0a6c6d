"""Which principals a user may know of (principal search, RFC 3744 §9.4).

``[sharing] principal_search`` decides: ``users`` (every user of this server, the
default: colleagues find each other to share with or invite) or ``groups`` (only the
members of the caller's own groups in the rights file, and the caller). Every door
that lists principals asks here.
"""

from __future__ import annotations

from typing import Iterable

from cms_dav.acl.policy import Policy

#: the choices of ``[sharing] principal_search``
SCOPES = ("users", "groups")


def may_know_of(policy: Policy, caller: str, scope: str, users: Iterable[str]) -> list[str]:
    """The users among ``users`` that ``caller`` may find, in their order."""
    if scope == "users":
        return list(users)
    mine = policy.groups_of(caller)
    return [user for user in users if user == caller or mine & policy.groups_of(user)]
