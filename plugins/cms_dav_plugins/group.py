"""Radicale group plugin (built by :class:`cms_dav.app.App`): groups come from the
rights file, reloaded when it changes."""

from __future__ import annotations

from radicale import group

from cms_dav import request_context
from cms_dav.acl.policy import Policy
from cms_dav_plugins import not_standalone


class Group(group.BaseGroup):
    def __init__(self, configuration,
                 policy: Policy | None = None) -> None:
        if policy is None:
            not_standalone(__name__)
        super().__init__(configuration)
        self._policy = policy

    def _groups(self, login: str) -> set[str]:
        context = request_context.current()  # the rights file is looked at once per request
        policy = self._policy if context is None else self._policy.remembering(context.memo)
        return set(policy.groups_of(login))
