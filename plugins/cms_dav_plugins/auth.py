"""Radicale auth plugin (``[auth] type = cms_dav_plugins.auth``): a thin adapter onto
:class:`cms_dav.auth.Authenticator` (bcrypt users file, login cache, throttle)."""

from __future__ import annotations

from radicale import auth

from cms_dav import request_context
from cms_dav.auth import shared_authenticator
from cms_dav.auth.radicale_settings import settings_from_radicale


class Auth(auth.BaseAuth):
    def __init__(self, configuration) -> None:
        super().__init__(configuration)
        self._authenticator = shared_authenticator(settings_from_radicale(configuration))

    def _login_ext(self, login: str, password: str, context: auth.AuthContext) -> str:
        # context.x_remote_addr is a client-supplied header, so only the socket address counts
        # a throttled failure's delay is deferred to the answer (cms_dav.wsgi.response_delay),
        # never slept in the worker; outside a request the authenticator sleeps
        request = request_context.current()
        ok = self._authenticator.login(login, password, context.remote_addr,
                                       request.defer_response if request else None)
        return login if ok else ""

    def _sleep_for_constant_exec_time(self, time_ns_begin: int) -> None:
        """Disabled: Radicale pads every failure to the slowest one seen, which would turn
        one throttled 2 s failure into 2 s for all; unknown users already cost a bcrypt check."""
