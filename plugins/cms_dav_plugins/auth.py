"""Radicale auth plugin (built by :class:`cms_dav.app.App`): a thin adapter onto
:class:`cms_dav.auth.Authenticator` (bcrypt users file, app passwords, login cache,
throttle). The login's scope goes into the request context, where the rights plugin
finds it."""

from __future__ import annotations

from radicale import auth

from cms_dav import radicale_compat, request_context
from cms_dav.auth import Authenticator
from cms_dav_plugins import not_standalone


@radicale_compat.without_failed_login_padding  # cms_dav's throttle delays failures
class Auth(auth.BaseAuth):
    def __init__(self, configuration,
                 authenticator: Authenticator | None = None) -> None:
        if authenticator is None:
            not_standalone(__name__)
        super().__init__(configuration)
        #: the App's one authenticator: its login cache works only if it is shared
        self._authenticator = authenticator

    def _login_ext(self, login: str, password: str, context: auth.AuthContext) -> str:
        # the client address is the request scope's (cms_dav.wsgi.client_address: a trusted
        # proxy's forwarded hop, else the socket's); Radicale's context.x_remote_addr is a
        # client-supplied header and never counts. A throttled failure's delay is deferred
        # to the answer (cms_dav.wsgi.response_delay), never slept in the worker; outside
        # a request the authenticator sleeps
        request = request_context.current()
        if request is None:
            done = self._authenticator.login(login, password, context.remote_addr)
        else:
            done = self._authenticator.login(login, password, request.address or None,
                                             request.defer_response, request.address_lockable)
            if done is not None:
                request.user, request.scope = done.user, done.scope
        return done.user if done is not None else ""
