"""App passwords: one random secret per device or integration, usable as its user's
password for DAV and the API, with a scope, an expiry and a last-used time (issue 15
item 2).

A token reads ``cmsdav_<lookup>_<secret>``: ``lookup`` (12 hex digits) finds its row
with one SELECT on a unique index, ``secret`` (``secrets.token_urlsafe(24)``, 192 random
bits) proves it. Only SHA-256(secret) is stored and it is compared in constant time
(:func:`hmac.compare_digest`). A fast hash is the right one here: bcrypt and friends
slow down dictionary guesses of *human* passwords, but a 192-bit random secret has no
dictionary, so a slow hash would only add 100+ ms to every DAV request of every phone
while protecting nothing. The secret is shown once, when it is made.

Rows live in the database, so every server process and worker agrees at once: a
revoked or expired token fails on the next request anywhere (logins with a token are
never put in the login cache). ``last_used_at`` is written at most once per
``touch_interval`` seconds per token, to spare writes on busy syncs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import Engine

from cms_dav.acl.scope import TOKEN_SCOPES
from cms_dav.auth.errors import AuthError
from cms_dav.store import app_passwords as sql
from cms_dav.store.audit import record
from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.records import WriteOrigin

PREFIX = "cmsdav_"
TOKEN = re.compile(r"^cmsdav_([0-9a-f]{12})_([A-Za-z0-9_\-]{32})$")
MAX_NAME_LENGTH = 64
#: seconds between two writes of one token's ``last_used_at``
TOUCH_INTERVAL = 60.0


class TokenError(AuthError):
    """A request about app passwords that cannot be carried out (names the problem)."""


@dataclass(frozen=True)
class AppPasswordInfo:
    """What may be shown about an app password: never its secret or hash."""

    name: str
    scope: str
    created: float
    expires: float | None
    last_used: float | None
    revoked: float | None

    def state(self, now: float) -> str:
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and self.expires <= now:
            return "expired"
        return "active"

    def as_dict(self, now: float) -> dict[str, Any]:
        return {"name": self.name, "scope": self.scope, "created": _iso(self.created),
                "expires": _iso(self.expires), "last_used": _iso(self.last_used),
                "revoked": _iso(self.revoked), "state": self.state(now)}


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def looks_like_token(password: str) -> bool:
    """Whether ``password`` has the shape of an app password (not whether it is one)."""
    return TOKEN.match(password) is not None


def check_name(name: str) -> str:
    if not name.strip():
        raise TokenError("the app password's name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(f"the app password's name is {len(name)} characters long "
                         f"(at most {MAX_NAME_LENGTH})")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in name):
        raise TokenError(f"the app password's name {name!r} contains a control character")
    return name


class AppPasswords:
    """The app passwords of one database; built by the App's authenticator."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time,
                 touch_interval: float = TOUCH_INTERVAL) -> None:
        self.engine = engine
        self._clock = clock
        self.touch_interval = touch_interval

    # -- logins -------------------------------------------------------------------------
    def scope_of(self, user: str, password: str) -> str | None:
        """The scope if ``password`` is a live app password of ``user``, else None.

        A password without the token's shape costs nothing; one with it, one indexed
        SELECT (and, at most once a minute per token, an UPDATE of its last use)."""
        match = TOKEN.match(password)
        if match is None:
            return None
        lookup, secret = match.groups()
        with read_tx(self.engine) as conn:
            row = sql.by_lookup(conn, lookup)
        # the hash is compared whatever else is wrong, so the answer's time does not
        # tell a wrong secret from a revoked or foreign token
        proven = hmac.compare_digest(_hash(secret), row.secret_hash if row else "0" * 64)
        now = self._clock()
        if row is None or not proven or row.user_name != user or row.revoked_at is not None \
                or (row.expires_at is not None and row.expires_at <= now):
            return None
        if row.last_used_at is None or row.last_used_at <= now - self.touch_interval:
            with write_tx(self.engine) as conn:
                sql.touch(conn, row.id, now, self.touch_interval)
        return row.scope

    # -- administration -----------------------------------------------------------------
    def create(self, origin: WriteOrigin | str, user: str, name: str, scope: str = "write",
               expires_at: float | None = None) -> str:
        """Make an app password and return its token (the only time it is known).

        A revoked app password of the same name is replaced; a live one is an error."""
        check_name(name)
        if scope not in TOKEN_SCOPES:
            raise TokenError(f"unknown scope {scope!r}: an app password's scope is one of "
                             f"{', '.join(TOKEN_SCOPES)}")
        now = self._clock()
        if expires_at is not None and expires_at <= now:
            raise TokenError("the expiry must be in the future")
        lookup, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
        with write_tx(self.engine) as conn:
            old = sql.by_name(conn, user, name)
            if old is not None and old.revoked_at is None:
                raise TokenError(f"{user} already has an app password named {name!r}: "
                                 "revoke it first or choose another name")
            if old is not None:
                sql.forget(conn, old.id)
            sql.insert(conn, user=user, name=name, scope=scope, lookup=lookup,
                       secret_hash=_hash(secret), created_at=now, expires_at=expires_at)
            record(conn, origin, "user.token.add", user,
                   {"name": name, "scope": scope, "expires": _iso(expires_at)})
        return f"{PREFIX}{lookup}_{secret}"

    def revoke(self, origin: WriteOrigin | str, user: str, name: str) -> None:
        """Revoke at once: the next request with it fails, on every process."""
        now = self._clock()
        with write_tx(self.engine) as conn:
            row = sql.by_name(conn, user, name)
            if row is None or row.revoked_at is not None:
                raise TokenError(f"{user} has no active app password named {name!r}")
            sql.revoke(conn, row.id, now)
            record(conn, origin, "user.token.revoke", user, {"name": name})

    def of_user(self, user: str) -> list[AppPasswordInfo]:
        with read_tx(self.engine) as conn:
            rows = sql.of_user(conn, user)
        return [AppPasswordInfo(row.name, row.scope, row.created_at, row.expires_at,
                                row.last_used_at, row.revoked_at) for row in rows]

    def now(self) -> float:
        return self._clock()
