"""acl layer of cms_dav: rights file + shares table -> effective permissions.

Entry points: :func:`policy_for` (effective rights, groups) and
:func:`share_db_for` (Radicale share-database operations), one of each per process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.acl.share_database import ShareDatabase
    from cms_dav.config import Settings


def policy_for(settings: "Settings") -> "Policy":
    from cms_dav.acl.policy import get_policy
    return get_policy(settings.rights_file, settings.database_url or None)


def share_db_for(settings: "Settings") -> "ShareDatabase":
    from cms_dav.acl.share_database import ShareDatabase
    return ShareDatabase(settings.database_url, policy_for(settings),
                         public_links=settings.sharing_public_links,
                         link_days=settings.sharing_link_days)
