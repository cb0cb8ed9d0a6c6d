"""Radicale rights plugin (built by :class:`cms_dav.app.App`): permission letters from
cms_dav's ACL policy (owner, groups, admins, rights-file grants, shares)."""

from __future__ import annotations

from radicale import rights

from cms_dav.acl.policy import Policy
from cms_dav_plugins import not_standalone


class Rights(rights.BaseRights):
    def __init__(self, configuration,  # type: ignore[no-untyped-def]
                 policy: Policy | None = None) -> None:
        if policy is None:
            not_standalone(__name__)
        super().__init__(configuration)
        self._policy = policy

    def authorization(self, user: str, user_groups: set, path: str) -> str:
        # user_groups are ignored on purpose: for a map share Radicale passes the
        # *sharee's* groups with the *owner's* name; the rights file knows the truth
        return self._policy.authorization(user, path)
