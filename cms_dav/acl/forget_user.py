"""``cms-dav user remove``: a removed user leaves nothing a new user of that name could
inherit.

In one database transaction every share made by, made to, or made of the collections
of the user is deleted; then the user's home (address books, calendars) is deleted into
the trash (an admin can still restore it with ``cms-dav trash`` until it is purged; it
is not given back to a new account of the same name by itself). Finally the user leaves
every group and every ``user:NAME`` grant of the rights file, and the admins list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cms_dav.acl import editor, share_table
from cms_dav.acl.policy import Policy
from cms_dav.store.store import NotFound, Store


@dataclass
class Forgotten:
    shares: int = 0
    collections: int = 0
    rights_entries: list[str] = field(default_factory=list)


def forget_user(store: Store, policy: Policy, actor: str, user: str) -> Forgotten:
    """Everything of ``user`` goes (see the module docstring); the rights file edited is
    the policy's own."""
    done = Forgotten()
    rights_file = policy.file.path
    with store.writing() as conn:
        done.shares = share_table.remove_user(conn, store.origin(actor), user)
    try:
        done.collections = len(store.delete_collection(user, actor))
    except NotFound:
        pass  # the user never logged in: no home
    rules = policy.rules()
    for group, members in sorted(rules.groups.items()):
        if user in members:
            editor.set_membership(rights_file, group, user, False)
            done.rights_entries.append(f"group {group}")
    for grant in rules.grants:
        if grant.to == f"user:{user}" and editor.remove_grant(rights_file,
                                                              grant.path, grant.to):
            done.rights_entries.append(f"grant of {grant.path}")
    if user in rules.admins:
        editor.remove_admin(rights_file, user)
        done.rights_entries.append("admins")
    policy.file.refresh(force=True)
    return done
