"""Remember verified logins for a short time so bcrypt does not run on every request.

A sync is dozens of requests carrying the same Basic credentials; at ~0.25 s per bcrypt
check that would dominate the server's CPU. The cache key is an HMAC of (user, password)
under a random key that lives only in this process's memory, so neither a memory dump
of the cache nor its keys give the password away, and nothing is ever written to disk.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from typing import Callable

Clock = Callable[[], float]

#: bound on remembered logins; the oldest is dropped past it
MAX_ENTRIES = 10_000


class LoginCache:
    """Maps HMAC(user, password) -> expiry time. ``ttl_seconds <= 0`` disables it."""

    def __init__(self, ttl_seconds: float, clock: Clock = time.monotonic,
                 max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._max_entries = max_entries
        self._key = os.urandom(32)
        self._expiry: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def _digest(self, user: str, password: str) -> bytes:
        message = user.encode("utf-8") + b"\x00" + password.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def is_known(self, user: str, password: str) -> bool:
        """True if this exact (user, password) was verified or used less than ttl
        seconds ago; each use extends it."""
        if self.ttl_seconds <= 0:
            return False
        digest = self._digest(user, password)
        now = self._clock()
        with self._lock:
            expiry = self._expiry.get(digest)
            if expiry is None:
                return False
            if expiry <= now:
                del self._expiry[digest]
                return False
            # sliding: a device that keeps syncing stays known (it bypasses lockouts)
            self._expiry[digest] = now + self.ttl_seconds
            return True

    def remember(self, user: str, password: str) -> None:
        if self.ttl_seconds <= 0:
            return
        digest = self._digest(user, password)
        now = self._clock()
        with self._lock:
            self._expiry.pop(digest, None)  # re-insert so dict order stays oldest-first
            self._expiry[digest] = now + self.ttl_seconds
            if len(self._expiry) > self._max_entries:
                self._prune(now)

    def _prune(self, now: float) -> None:
        for digest in [d for d, expiry in self._expiry.items() if expiry <= now]:
            del self._expiry[digest]
        while len(self._expiry) > self._max_entries:
            del self._expiry[next(iter(self._expiry))]

    def invalidate(self) -> None:
        """Forget everything: called when the users file changed (a password was reset
        or a user removed), so an old password stops working at once."""
        with self._lock:
            self._expiry.clear()

    def __len__(self) -> int:
        return len(self._expiry)
