"""The client's record of what a crashing server acknowledged (issue 10, crash rounds).

A write is *acknowledged* when its 2xx answer arrived: from then on it must survive a
SIGKILL. A write whose answer never came (the kill hit it in flight) is *pending*: after
the restart the server may show the state before it or the state it tried to reach,
nothing else. :meth:`Ledger.resolve` checks an observed state against those choices and
makes the observed one the new certain state, so every round starts from known ground.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    """One state of a resource: ``marker`` names the content written (an FN value, a
    displayname, "shared"); ``etag`` is the strong ETag the server acknowledged, or
    None when no ETag came with the acknowledgement."""

    marker: str
    etag: str | None = None

    def matches(self, observed: "Version | None") -> bool:
        if observed is None or observed.marker != self.marker:
            return False
        return self.etag is None or self.etag == observed.etag


#: a resource that does not exist (never written, deleted, moved away, revoked)
ABSENT: Version | None = None


class LedgerError(AssertionError):
    """The server showed a state it never acknowledged and was never asked for."""


class Ledger:
    """Last acknowledged state per key, plus the in-flight attempt per key.

    Keys are free-form strings: an item href, ``prop:<path>``, ``share:<path>:<user>``.
    Thread-safe: the writer threads of one round share one ledger.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._acked: dict[str, Version | None] = {}
        self._pending: dict[str, Version | None] = {}
        self._touched: set[str] = set()  # keys written since start_round()
        self.acknowledged = 0  # 2xx answers received, all rounds
        self.resolved_old = 0  # in-flight writes found not done after a kill
        self.resolved_new = 0  # in-flight writes found done after a kill

    def state(self, key: str) -> Version | None:
        with self._lock:
            return self._acked.get(key, ABSENT)

    def keys(self, prefix: str = "") -> list[str]:
        with self._lock:
            return sorted(k for k in set(self._acked) | set(self._pending)
                          if k.startswith(prefix))

    def present(self, prefix: str) -> list[str]:
        """Keys under ``prefix`` whose certain state exists and that nothing is writing."""
        with self._lock:
            return sorted(k for k, v in self._acked.items()
                          if k.startswith(prefix) and v is not ABSENT and k not in self._pending)

    def start_round(self) -> None:
        with self._lock:
            assert not self._pending, f"unresolved writes: {sorted(self._pending)}"
            self._touched.clear()

    def touched(self, key: str) -> bool:
        with self._lock:
            return key in self._touched

    def begin(self, key: str, attempt: Version | None) -> None:
        with self._lock:
            self._pending[key] = attempt
            self._touched.add(key)

    def ack(self, key: str, state: Version | None) -> None:
        with self._lock:
            self._acked[key] = state
            self._pending.pop(key, None)
            self.acknowledged += 1

    def refused(self, key: str) -> None:
        """The server answered but did not do it (4xx): the old state still holds."""
        with self._lock:
            self._pending.pop(key, None)

    def pending(self, key: str) -> bool:
        with self._lock:
            return key in self._pending

    def resolve(self, key: str, observed: Version | None) -> None:
        """Check ``observed`` (None = absent) against the acknowledged state and, if a
        write was in flight, the state it aimed at; record what was found."""
        with self._lock:
            acked = self._acked.get(key, ABSENT)
            in_flight = key in self._pending
            attempt = self._pending.pop(key, ABSENT)
            if _same(acked, observed):
                self._acked[key] = _keep_etag(acked, observed)
                self.resolved_old += in_flight
                return
            if in_flight and _same(attempt, observed):
                self._acked[key] = observed
                self.resolved_new += 1
                return
            self._pending[key] = attempt  # keep the evidence for the message
        choices = f"{acked!r}" + (f" or the in-flight {attempt!r}" if in_flight else "")
        raise LedgerError(f"{key}: found {observed!r} after the kill, acknowledged {choices}")


def _same(expected: Version | None, observed: Version | None) -> bool:
    if expected is None:  # ABSENT
        return observed is None
    return expected.matches(observed)


def _keep_etag(expected: Version | None, observed: Version | None) -> Version | None:
    """The certain state after a check: the acknowledged one, with the ETag now seen."""
    if expected is None or observed is None or expected.etag is not None:
        return expected
    return Version(expected.marker, observed.etag)
