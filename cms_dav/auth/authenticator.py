"""One login check = known device, app password, throttle, bcrypt; the Radicale plugin
and every other front door (the JSON API, tests) call :meth:`Authenticator.login`, which
answers a :class:`Login` (user and scope) or None.

Order, and why:

1. **Known devices** (``known_devices``, today the login cache: credentials this
   process verified recently) are accepted at once, with no database access and no
   lockout check: an attacker guessing alice's password must not lock out the phone
   that already holds it. Anything implementing :class:`KnownDevice` may go in this
   list, and it must only ever match a credential bound to one device (random,
   high-entropy, revocable) - never a guess. Such logins have scope ``full``.
2. **App passwords** (:mod:`cms_dav.auth.app_passwords`): a password with a token's
   shape is looked up (one indexed SELECT) and, when it is a live token of this user,
   accepted with the token's scope, before any lockout, for the same reason as step 1
   (192 random bits are never a guess). Token logins are **not** put in the login
   cache: revoking or expiring a token takes effect on the very next request, on every
   process. A token-shaped password that is no live token goes on like any other
   password: throttle delay, bcrypt, and it counts as a failure (so guessing tokens
   is throttled and locks out like guessing passwords).
3. **Lockout**: a locked (user, network) pair or account is refused without looking at
   the password, after the same capped delay a failure would get, so that guessing
   during a lockout can neither succeed through bcrypt nor run at full speed against
   the cache of step 1.
4. **Delay, then bcrypt**: the throttle's delay holds the verdict back, by the
   ``pause`` the caller passes to :meth:`Authenticator.login` (by default the
   authenticator's ``sleep``). Over HTTP the auth plugin's pause defers the answer, which
   then waits in the server's event loop, not in a worker thread
   (:mod:`cms_dav.wsgi.response_delay`), so guesses cannot tie up the workers.
   Unknown user names cost the same bcrypt check and get the same counters, so the
   answer time does not tell which names exist.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable, Protocol, Sequence

from sqlalchemy import Engine

from cms_dav.acl.scope import FULL
from cms_dav.auth.app_passwords import AppPasswords
from cms_dav.auth.directory import UserDirectory, user_directory
from cms_dav.auth.login_cache import LoginCache
from cms_dav.auth.throttle import Clock, LoginThrottle, ThrottlePolicy, memory_engine
from cms_dav.config import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Login:
    """A successful login: who, and with which scope (``full`` for the user's own
    password, else the app password's: :mod:`cms_dav.acl.scope` says what it allows)."""

    user: str
    scope: str = FULL


class KnownDevice(Protocol):
    """Credentials proven to belong to one device; they bypass every lockout."""

    def is_known(self, user: str, password: str) -> bool: ...


class LoginEvents(Protocol):
    """Who hears about failures and lockouts (the App's metrics)."""

    def login_failed(self) -> None: ...

    def locked_out(self, kind: str) -> None: ...

    def refused_locked(self, kind: str) -> None: ...


class NoEvents:
    def login_failed(self) -> None:
        pass

    def locked_out(self, kind: str) -> None:
        pass

    def refused_locked(self, kind: str) -> None:
        pass


def policy_from(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        lockout_threshold=settings.lockout_threshold,
        account_lockout_threshold=settings.account_lockout_threshold,
        lockout_seconds=settings.lockout_seconds, first_delay=settings.first_delay_seconds,
        max_delay=settings.max_delay_seconds, max_rows=settings.throttle_max_rows)


def throttle_for(settings: Settings, engine: Engine | None,
                 clock: Clock = time.time) -> LoginThrottle:
    """The throttle on the App's database engine (in memory when there is none)."""
    return LoginThrottle(engine if engine is not None else memory_engine(),
                         policy_from(settings), clock=clock)


class Authenticator:
    def __init__(self, users: UserDirectory, cache: LoginCache, throttle: LoginThrottle,
                 sleep: Callable[[float], None] = time.sleep,
                 known_devices: Sequence[KnownDevice] = (),
                 events: LoginEvents | None = None,
                 app_passwords: AppPasswords | None = None) -> None:
        self.users = users
        #: None: no database, no app passwords (a plain Radicale configuration)
        self.app_passwords = app_passwords
        self.events: LoginEvents = events if events is not None else NoEvents()
        self.cache = cache
        self.throttle = throttle
        #: checked before any lockout; the login cache always comes first
        self.known_devices: tuple[KnownDevice, ...] = (cache, *known_devices)
        self._sleep = sleep
        self._seen_stamp: Hashable = None
        self._stamp_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None,
                      clock: Clock = time.time,
                      sleep: Callable[[float], None] = time.sleep,
                      events: LoginEvents | None = None) -> "Authenticator":
        """Users (file or table), login cache, throttle and app passwords (on
        ``engine``) as the settings say."""
        return cls(user_directory(settings, engine),
                   LoginCache(settings.login_cache_seconds, clock=clock),
                   throttle_for(settings, engine, clock), sleep=sleep, events=events,
                   app_passwords=AppPasswords(engine, clock) if engine is not None else None)

    def login(self, user: str, password: str, address: str | None,
              pause: Callable[[float], None] | None = None,
              lockable: bool = True) -> Login | None:
        """The login if the credentials are valid and not locked out, else None (see the
        module doc).

        ``pause(seconds)`` holds the verdict back by the throttle's delay; the default
        sleeps here (CLI, tests). An HTTP door passes one that defers its answer instead,
        so a throttled guess holds no worker thread and cannot starve other users.
        ``lockable=False``: failures from ``address`` never lock the user out of it
        (:meth:`LoginThrottle.record_failure`)."""
        self._forget_cache_if_users_changed()
        if any(device.is_known(user, password) for device in self.known_devices):
            return Login(user)
        scope = self._app_password_scope(user, password)
        if scope is not None:
            return Login(user, scope)
        verdict = self.throttle.check(user, address)
        if verdict.delay:
            (pause or self._sleep)(verdict.delay)
        where = address or "unknown address"
        if verdict.locked_for:
            logger.warning("refused login of %r from %s: %s locked out for %d more seconds",
                           user, where, "account" if verdict.locked_by == "account"
                           else "this user from this network", round(verdict.locked_for))
            self.events.refused_locked(verdict.locked_by)
            return None
        if self.users.verify(user, password):
            self.throttle.record_success(user, address, verdict)
            self.cache.remember(user, password)
            return Login(user)
        logger.warning("failed login of %r from %s", user, where)
        self.events.login_failed()
        for kind in self.throttle.record_failure(user, address, lockable):
            self.events.locked_out(kind)
        return None

    def _app_password_scope(self, user: str, password: str) -> str | None:
        """The scope of ``password`` as a live app password of an existing ``user``
        (a removed user's tokens die with the login)."""
        if self.app_passwords is None:
            return None
        scope = self.app_passwords.scope_of(user, password)
        return scope if scope is not None and self.users.exists(user) else None

    def known(self, user: str, password: str) -> bool:
        """True if the login cache vouches for these credentials. Counts nothing, sleeps
        nowhere and never reads the hash: a fast path asks this and hands every other
        login to the full :meth:`login` (through Radicale)."""
        self._forget_cache_if_users_changed()
        return self.cache.is_known(user, password)

    def _forget_cache_if_users_changed(self) -> None:
        stamp = self.users.stamp()
        with self._stamp_lock:
            if stamp != self._seen_stamp:
                self.cache.invalidate()
                self._seen_stamp = stamp
