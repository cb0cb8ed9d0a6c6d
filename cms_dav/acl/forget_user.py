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

from cms_dav.acl import editor, policy_for, share_table
from cms_dav.config import Settings
from cms_dav.store.store import NotFound, Store


@dataclass
class Forgotten:
    shares: int = 0
    collections: int = 0
    rights_entries: list[str] = field(default_factory=list)


def forget_user(settings: Settings, actor: str, user: str) -> Forgotten:
    done = Forgotten()
    store = Store.open(settings.database_url, settings.sync_token_days)
    with store.writing() as conn:
        done.shares = share_table.remove_user(conn, actor, user)
    try:
        done.collections = len(store.delete_collection(user, actor))
    except NotFound:
        pass  # the user never logged in: no home
    rules = policy_for(settings).rules()
    for group, members in sorted(rules.groups.items()):
        if user in members:
            editor.set_membership(settings.rights_file, group, user, False)
            done.rights_entries.append(f"group {group}")
    for grant in rules.grants:
        if grant.to == f"user:{user}" and editor.remove_grant(settings.rights_file,
                                                              grant.path, grant.to):
            done.rights_entries.append(f"grant of {grant.path}")
    if user in rules.admins:
        editor.remove_admin(settings.rights_file, user)
        done.rights_entries.append("admins")
    policy_for(settings).file.refresh(force=True)
    return done
