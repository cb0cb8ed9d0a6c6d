"""Radicale group plugin (``[group] type = cms_dav_plugins.group``): groups come from
the rights file, reloaded when it changes."""

from __future__ import annotations

from radicale import group

from cms_dav import request_context
from cms_dav.acl import policy_for
from cms_dav.runtime import settings_for


class Group(group.BaseGroup):
    def __init__(self, configuration) -> None:
        super().__init__(configuration)
        self._policy = policy_for(settings_for(configuration))

    def _groups(self, login: str) -> set[str]:
        context = request_context.current()  # the rights file is looked at once per request
        policy = self._policy if context is None else self._policy.remembering(context.memo)
        return set(policy.groups_of(login))
