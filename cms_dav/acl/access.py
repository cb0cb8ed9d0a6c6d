"""Who may do what from the CLI: the same ACL the server applies over HTTP.

Without ``--user`` the CLI acts as the local admin (whoever can read the data dir
can read the database anyway), so no check is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy

ADMIN_ACTOR = "local-admin"


class AccessDenied(PermissionError):
    pass


def actor_name(user: str | None) -> str:
    return user or ADMIN_ACTOR


def require(policy: "Policy", user: str | None, path: str, need: str) -> None:
    """Raise AccessDenied unless ``user`` has ``need`` ("r" or "w") on the collection."""
    if not user:
        return
    letters = policy.authorization(user, "/" + path.strip("/") + "/")
    if need not in letters.lower():
        verb = "read" if need == "r" else "write to"
        raise AccessDenied(f"user {user!r} may not {verb} /{path.strip('/')}/")
