"""Radicale rights plugin (``[rights] type = cms_dav_plugins.rights``): permission
letters from cms_dav's ACL store (owner, groups, admins, rights-file grants, shares)."""

from __future__ import annotations

from radicale import rights

from cms_dav import request_context
from cms_dav.acl import policy_for
from cms_dav.runtime import settings_for


class Rights(rights.BaseRights):
    def __init__(self, configuration) -> None:
        super().__init__(configuration)
        self._policy = policy_for(settings_for(configuration))

    def authorization(self, user: str, user_groups: set, path: str) -> str:
        # user_groups are ignored on purpose: for a map share Radicale passes the
        # *sharee's* groups with the *owner's* name; the rights file knows the truth
        # Radicale asks once per item of a Depth-1 PROPFIND: answered from this
        # request's memo after the first time (the storage plugin clears it on writes)
        context = request_context.current()
        policy = self._policy if context is None else self._policy.remembering(context.memo)
        return policy.authorization(user, path)
