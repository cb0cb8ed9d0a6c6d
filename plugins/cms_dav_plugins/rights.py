"""Radicale rights plugin (built by :class:`cms_dav.app.App`): permission letters from
cms_dav's ACL policy (owner, groups, admins, rights-file grants, shares)."""

from __future__ import annotations

from radicale import rights

from cms_dav import request_context
from cms_dav.acl.policy import Policy
from cms_dav_plugins import not_standalone


class Rights(rights.BaseRights):
    def __init__(self, configuration,
                 policy: Policy | None = None) -> None:
        if policy is None:
            not_standalone(__name__)
        super().__init__(configuration)
        self._policy = policy

    def authorization(self, user: str, user_groups: set, path: str) -> str:
        # user_groups are ignored on purpose: for a map share Radicale passes the
        # *sharee's* groups with the *owner's* name; the rights file knows the truth
        # Radicale asks once per item of a Depth-1 PROPFIND: answered from this
        # request's memo after the first time (the storage plugin clears it on writes)
        context = request_context.current()
        policy = self._policy if context is None else self._policy.remembering(context.memo)
        return policy.authorization(user, path)
