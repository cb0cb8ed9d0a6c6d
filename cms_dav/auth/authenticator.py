"""One login check = lockout check, cache, bcrypt, throttle; the Radicale plugin and any
other front door (tests, a future admin API) call :meth:`Authenticator.login`."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from cms_dav.auth.htpasswd import HtpasswdFile, Stamp
from cms_dav.auth.login_cache import LoginCache
from cms_dav.auth.throttle import Clock, LoginThrottle
from cms_dav.config import Settings

logger = logging.getLogger(__name__)


class Authenticator:
    def __init__(self, users: HtpasswdFile, cache: LoginCache, throttle: LoginThrottle,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.users = users
        self.cache = cache
        self.throttle = throttle
        self._sleep = sleep
        self._seen_stamp: Stamp | None = None
        self._stamp_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic,
                      sleep: Callable[[float], None] = time.sleep) -> "Authenticator":
        return cls(HtpasswdFile(settings.htpasswd_file),
                   LoginCache(settings.login_cache_seconds, clock=clock),
                   LoginThrottle(settings.lockout_threshold, settings.lockout_seconds,
                                 clock=clock),
                   sleep=sleep)

    def login(self, user: str, password: str, address: str | None) -> bool:
        """True if the credentials are valid and neither the user nor the address is
        locked out. A failure waits the throttle's delay before returning."""
        remaining = self.throttle.locked_for(user, address)
        if remaining:
            logger.warning("refused login of %r from %s: locked out for %d more seconds",
                           user, address or "unknown address", round(remaining))
            return False
        self._forget_cache_if_users_changed()
        if self.cache.is_known(user, password):
            return True
        if self.users.verify(user, password):
            self.throttle.record_success(user)
            self.cache.remember(user, password)
            return True
        self._sleep(self.throttle.record_failure(user, address))
        return False

    def _forget_cache_if_users_changed(self) -> None:
        stamp = self.users.stamp()
        with self._stamp_lock:
            if stamp != self._seen_stamp:
                self.cache.invalidate()
                self._seen_stamp = stamp


_shared: dict[tuple[object, ...], Authenticator] = {}
_shared_lock = threading.Lock()


def shared_authenticator(settings: Settings) -> Authenticator:
    """The process-wide authenticator for these settings: Radicale may build its auth
    plugin more than once, but the throttle and cache only work if they are shared."""
    key = (settings.htpasswd_file, settings.login_cache_seconds,
           settings.lockout_threshold, settings.lockout_seconds)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Authenticator.from_settings(settings)
        return _shared[key]
