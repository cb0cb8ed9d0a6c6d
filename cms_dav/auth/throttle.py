"""Slow down and then lock out password guessing, per user name and per client address.

Each failed login adds one to the counter of the user name and of the client address.
The failed request then waits ``base_delay * 2**(n-1)`` seconds (capped at ``max_delay``),
where n is the larger of the two counters; once either counter reaches ``threshold`` that
user name or address is locked out for ``lockout_seconds``: its requests are refused
without looking at the password, so a guess made during a lockout can never succeed.
A successful login resets the user's counter (not the address's: otherwise an attacker
with one valid account could reset the counter of the address he guesses from).
Failures older than ``lockout_seconds`` are forgotten.

The state lives in this process only. A deployment with several server processes or
nodes gets a limit per process; put a rate limit in the reverse proxy (or fail2ban on the
"locked out" log line) in front of it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
MAX_RECORDS = 100_000


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    def __init__(self, threshold: int, lockout_seconds: float, *, base_delay: float = 0.25,
                 max_delay: float = 2.0, clock: Clock = time.monotonic) -> None:
        self.threshold = threshold
        self.lockout_seconds = lockout_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock
        self._records: dict[tuple[str, str], _Record] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(user: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("user", user)]
        if address:
            keys.append(("address", address))
        return keys

    def _current(self, key: tuple[str, str], now: float) -> _Record | None:
        """The key's record, or None once its lockout ended or its failures went stale."""
        record = self._records.get(key)
        if record is None:
            return None
        if record.locked_until:
            expired = now >= record.locked_until
        else:
            expired = now - record.last_failure >= self.lockout_seconds
        if expired:
            del self._records[key]
            return None
        return record

    def locked_for(self, user: str, address: str | None) -> float:
        """Seconds until the user name and address may try again (0: not locked out)."""
        now = self._clock()
        with self._lock:
            remaining = 0.0
            for key in self._keys(user, address):
                record = self._current(key, now)
                if record is not None and record.locked_until:
                    remaining = max(remaining, record.locked_until - now)
            return remaining

    def record_failure(self, user: str, address: str | None) -> float:
        """Count a failed login; return the seconds the failed request should wait."""
        now = self._clock()
        worst = 0
        with self._lock:
            if len(self._records) >= MAX_RECORDS:
                self._prune(now)
            for key in self._keys(user, address):
                record = self._current(key, now) or self._records.setdefault(key, _Record())
                record.failures += 1
                record.last_failure = now
                worst = max(worst, record.failures)
                if 0 < self.threshold <= record.failures and not record.locked_until:
                    record.locked_until = now + self.lockout_seconds
                    logger.warning("locking out %s %r for %d s after %d failed logins "
                                   "(last: user %r from %s)", key[0], key[1],
                                   self.lockout_seconds, record.failures, user, address)
        return min(self.base_delay * 2 ** (worst - 1), self.max_delay)

    def record_success(self, user: str) -> None:
        with self._lock:
            self._records.pop(("user", user), None)

    def failures_of_user(self, user: str) -> int:
        return self._failures(("user", user))

    def failures_of_address(self, address: str) -> int:
        return self._failures(("address", address))

    def _failures(self, key: tuple[str, str]) -> int:
        with self._lock:
            record = self._current(key, self._clock())
            return record.failures if record else 0

    def _prune(self, now: float) -> None:
        for key in list(self._records):
            self._current(key, now)
