"""Web sessions as signed cookies, so any worker process accepts any session.

The cookie holds the user, the login's scope (:mod:`cms_dav.acl.scope`), when the
session began, when it was last used and its CSRF token, signed with HMAC-SHA256
under a secret kept in the data directory (``web-secret``, mode 0600, made on first
use). A session ends when it was idle too long or is older than the absolute limit
(OWASP session management; ``[web] session_idle_seconds`` and
``session_max_seconds``); every answer re-signs it with a new "last used" time.
Signing out clears the cookie; a copy taken before stays valid until it idles out.
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
from typing import Callable

COOKIE = "cms_dav_session"
SECRET_FILE = "web-secret"
#: the longest cookie value accepted (a forged huge cookie is not parsed)
MAX_COOKIE = 1000


@dataclass(frozen=True)
class Session:
    user: str
    scope: str
    began: float
    seen: float
    csrf: str


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


class Sessions:
    """Makes and checks session cookie values with one secret."""

    def __init__(self, secret: bytes, idle: float, absolute: float,
                 clock: Callable[[], float] = time.time) -> None:
        """``idle``, ``absolute``: ``[web] session_idle_seconds``, ``session_max_seconds``."""
        self.secret = secret
        self.idle = idle
        self.absolute = absolute
        self.clock = clock

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    def begin(self, user: str, scope: str) -> Session:
        now = self.clock()
        return Session(user=user, scope=scope, began=now, seen=now,
                       csrf=secrets.token_urlsafe(24))

    def dump(self, session: Session) -> str:
        """The cookie value of ``session``, marked as used now."""
        fresh = replace(session, seen=self.clock())
        payload = json.dumps([fresh.user, fresh.scope, fresh.began, fresh.seen, fresh.csrf],
                             separators=(",", ":")).encode()
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
            user, scope, began, seen, csrf = json.loads(
                base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            session = Session(str(user), str(scope), float(began), float(seen), str(csrf))
        except (ValueError, TypeError):
            return None
        now = self.clock()
        if now - session.seen > self.idle or now - session.began > self.absolute:
            return None
        return session
