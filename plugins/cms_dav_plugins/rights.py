"""Radicale rights plugin (built by :class:`cms_dav.app.App`): permission letters from
cms_dav's ACL policy (owner, groups, admins, rights-file grants, shares), cut to what
the request's login scope allows (:mod:`cms_dav.acl.scope`: an app password with scope
"read" gets no write letter, so Radicale answers 403 to PUT, DELETE, MKCOL, PROPPATCH,
MOVE and share creation)."""

from __future__ import annotations

from radicale import rights

from cms_dav import request_context
from cms_dav.acl.policy import Policy
from cms_dav.acl.scope import cut_letters
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
        # request's memo after the first time (the storage plugin clears it on writes).
        # The scope is the login's, also when Radicale asks for a share's owner: a
        # read-only token of the sharee stays read-only on the shared collection
        context = request_context.current()
        if context is None:
            return self._policy.authorization(user, path)
        return cut_letters(context.scope,
                           self._policy.remembering(context.memo).authorization(user, path))
