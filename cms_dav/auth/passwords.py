"""bcrypt hashing and checking shared by every users source (file or database table).

One place decides what a usable hash is, how long an unknown name takes (the same bcrypt
cost as a real one, so answer times do not tell which names exist) and how a password is
hashed, so the htpasswd file and the ``users`` table cannot drift apart.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable, Iterable

import bcrypt

from cms_dav.auth.validation import MAX_PASSWORD_BYTES

logger = logging.getLogger(__name__)

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


class PasswordChecker:
    """Checks a password against a stored hash (``None``: no such user) in constant-ish
    time; ``where`` names the users source in warnings (never the hash)."""

    def __init__(self, rounds: int, where: str) -> None:
        self.rounds = rounds
        self.where = where
        self._dummy_hash: bytes | None = None
        self._lock = threading.Lock()

    def check(self, name: str, digest: str | None, password: str,
              known_digests: Callable[[], Iterable[str]] = tuple) -> bool:
        """True if ``password`` matches ``digest``; a missing or unusable hash costs one
        bcrypt check against a dummy of the cost of ``known_digests()`` (asked once)."""
        usable = (digest is not None and digest.startswith(BCRYPT_PREFIXES)
                  and 0 < len(password.encode("utf-8")) <= MAX_PASSWORD_BYTES)
        if digest is not None and not digest.startswith(BCRYPT_PREFIXES):
            logger.warning("%s: %r has a non-bcrypt hash; set a new password with "
                           "'cms-dav user passwd'", self.where, name)
        if digest is None or not usable:
            bcrypt.checkpw(b"not the password", self._dummy(known_digests))
            return False
        try:
            return bcrypt.checkpw(password.encode("utf-8"), digest.encode("ascii"))
        except ValueError:
            logger.warning("%s: the hash of %r is malformed", self.where, name)
            return False

    def _dummy(self, known_digests: Callable[[], Iterable[str]]) -> bytes:
        """A hash of the cost the real ones have, so an unknown name takes as long."""
        with self._lock:
            if self._dummy_hash is None:
                rounds = self.rounds
                for digest in known_digests():
                    cost = digest[4:6]
                    if digest.startswith(BCRYPT_PREFIXES) and cost.isdigit():
                        rounds = max(4, min(int(cost), 31))
                        break
                self._dummy_hash = bcrypt.hashpw(os.urandom(16).hex().encode(),
                                                 bcrypt.gensalt(rounds))
            return self._dummy_hash
