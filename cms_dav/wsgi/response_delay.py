"""Hold a throttled answer back without holding a worker thread.

A failed login waits the throttle's delay (cms_dav.auth.throttle) before its 401. If that
wait were a ``time.sleep`` in the worker running Radicale, a few clients guessing
passwords would hold every worker and starve everyone else. The auth plugin has the
authenticator pause by deferring the answer on the request context instead
(``RequestContext.defer_response``); this layer hands that delay to the server front in
the environ (``cms_dav.serving`` then waits in its event loop before it writes the
answer, the worker already free), or sleeps itself under a WSGI server that cannot.
Either way the client gets the verdict no sooner than the throttle says.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from cms_dav import request_context
from cms_dav.serving.environ import DEFERS_RESPONSE_KEY, RESPONSE_DELAY_KEY

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ResponseDelayMiddleware:
    def __init__(self, app: WSGIApp, sleep: Callable[[float], None] = time.sleep) -> None:
        self.app = app
        self._sleep = sleep

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        result = self.app(environ, start_response)
        delay = request_context.of(environ).take_response_delay()
        if delay > 0:
            if environ.get(DEFERS_RESPONSE_KEY):
                environ[RESPONSE_DELAY_KEY] = delay
            else:
                self._sleep(delay)
        return result
