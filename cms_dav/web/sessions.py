"""Web sessions: a signed cookie naming a session recorded in the database, so any
worker process or node accepts it and any of them can end it.

The cookie holds a random session id, the user, the login's scope
(:mod:`cms_dav.acl.scope`), when the session began, when it was last used and its CSRF
token, signed with HMAC-SHA256 under a secret kept in the data directory
(``web-secret``, mode 0600, made on first use). The database keeps the id's SHA-256
(``web_sessions``, :mod:`cms_dav.store.web_sessions`) with the user and the times. A
session ends when it was idle too long or is older than the absolute limit (OWASP
session management; ``[web] session_idle_seconds`` and ``session_max_seconds``),
checked against the row; "last used" is written at most every :data:`TOUCH_SECONDS`.
Signing out deletes the row, so a copy of the cookie taken before is refused too; a
password change or the user's removal deletes all of their rows
(:func:`cms_dav.auth.admin.set_password`, ``remove_user``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from cms_dav.store import web_sessions as rows

if TYPE_CHECKING:
    from cms_dav.store.store import Store

COOKIE = "cms_dav_session"
SECRET_FILE = "web-secret"
#: the longest cookie value accepted (a forged huge cookie is not parsed)
MAX_COOKIE = 1000
#: "last used" in the database is refreshed at most this often (a page view is a read)
TOUCH_SECONDS = 30.0


@dataclass(frozen=True)
class Session:
    user: str
    scope: str
    began: float
    seen: float
    csrf: str
    #: the random id; the database keeps its SHA-256
    sid: str = ""


def load_secret(data_dir: Path) -> bytes:
    """The signing key in ``data_dir``; created 0600 (owner only) when missing."""
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as out:
        key = secrets.token_hex(32)
        out.write(key)
    return bytes.fromhex(key)


def _lookup(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class Sessions:
    """Makes and checks session cookie values with one secret and the store's rows."""

    def __init__(self, secret: bytes, idle: float, absolute: float, store: "Store",
                 clock: Callable[[], float] = time.time) -> None:
        """``idle``, ``absolute``: ``[web] session_idle_seconds``, ``session_max_seconds``."""
        self.secret = secret
        self.idle = idle
        self.absolute = absolute
        self.store = store
        self.clock = clock

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    def begin(self, user: str, scope: str) -> Session:
        """A new session, recorded (sessions that are over are purged on the way)."""
        now = self.clock()
        session = Session(user=user, scope=scope, began=now, seen=now,
                          csrf=secrets.token_urlsafe(24), sid=secrets.token_urlsafe(24))
        with self.store.writing() as conn:
            rows.purge(conn, now, self.idle, self.absolute)
            rows.insert(conn, rows.SessionRow(_lookup(session.sid), user, scope, now, now))
        return session

    def end(self, session: Session) -> None:
        """Sign-out: the session is over for every copy of its cookie."""
        with self.store.writing() as conn:
            rows.forget(conn, _lookup(session.sid))

    def dump(self, session: Session) -> str:
        """The cookie value of ``session``, marked as used now."""
        fresh = replace(session, seen=self.clock())
        payload = json.dumps([fresh.user, fresh.scope, fresh.began, fresh.seen, fresh.csrf,
                              fresh.sid], separators=(",", ":")).encode()
        encoded = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{encoded}.{self._sign(encoded.encode())}"

    def load(self, value: str | None) -> Session | None:
        """The session of a cookie value; None when it is forged, damaged or over."""
        if not value or len(value) > MAX_COOKIE or "." not in value:
            return None
        encoded, signature = value.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(encoded.encode())):
            return None
        try:
            user, scope, began, seen, csrf, sid = json.loads(
                base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            session = Session(str(user), str(scope), float(began), float(seen), str(csrf),
                              str(sid))
        except (ValueError, TypeError):
            return None
        now = self.clock()
        if now - session.seen > self.idle or now - session.began > self.absolute:
            return None
        return self._recorded(session, now)

    def _recorded(self, session: Session, now: float) -> Session | None:
        """``session`` if its row is there, its user's and not over by the row's times
        (the cookie's own could be an old copy); then "last used" is refreshed."""
        lookup = _lookup(session.sid)
        with self.store.reading() as conn:
            row = rows.by_lookup(conn, lookup)
        if row is None or row.user_name != session.user:
            return None
        if now - row.seen > self.idle or now - row.began > self.absolute:
            with self.store.writing() as conn:
                rows.forget(conn, lookup)
            return None
        if now - row.seen >= TOUCH_SECONDS:
            with self.store.writing() as conn:
                rows.touch(conn, lookup, now, TOUCH_SECONDS)
        return replace(session, scope=row.scope, began=row.began)
