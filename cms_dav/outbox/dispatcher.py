"""The delivery thread of a server process: claims due deliveries and hands each to the
:class:`Sender` of its consumer (webhooks, later push), off the request path.

Every process of ``cms-dav serve`` (and every worker of ``--workers``, every node on one
PostgreSQL database) runs one; the lease of :mod:`cms_dav.outbox.queue` keeps a row to
one claimant at a time. A failed attempt is retried with exponential backoff
(:class:`Backoff`) until the sender's retry window since the event is over; then the
delivery is "failed" and the sender hears of it (:meth:`Sender.gave_up`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol, Sequence

from sqlalchemy import Engine

from cms_dav.housekeeping import new_holder
from cms_dav.outbox import queue
from cms_dav.outbox.queue import Delivery

log = logging.getLogger("cms_dav.outbox")

#: prune delivered events at most this often (seconds)
PRUNE_EVERY = 600.0


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt n+1: ``base`` * 2**(n-1), at most ``cap``; no attempt later
    than ``give_up_after`` seconds after the event."""

    base: float = 1.0
    cap: float = 3600.0
    give_up_after: float = 86400.0

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.base * 2 ** min(attempt - 1, 60))


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: "delivered", "retry" (later, by the backoff) or
    "drop" (never: the target is gone or may not have it); ``detail`` for the logs."""

    result: str
    detail: str = ""

    @classmethod
    def delivered(cls, detail: str = "") -> "Outcome":
        return cls("delivered", detail)

    @classmethod
    def retry(cls, detail: str) -> "Outcome":
        return cls("retry", detail)

    @classmethod
    def drop(cls, detail: str) -> "Outcome":
        return cls("drop", detail)


class Sender(Protocol):
    """Delivers one consumer's deliveries (the webhook sender, the push sender)."""

    consumer: str
    backoff: Backoff

    def deliver(self, delivery: Delivery) -> Outcome:
        """Try once; never raises for a failed delivery (an exception counts as retry)."""

    def gave_up(self, delivery: Delivery, detail: str) -> None:
        """The retry window of ``delivery`` is over; it will not be tried again."""

    def tidy(self, now: float) -> None:
        """Prune the sender's own old state (e.g. its attempt log); runs now and then."""


def settle(engine: Engine, sender: Sender, delivery: Delivery, outcome: Outcome,
           now: float | None = None) -> str:
    """Record ``outcome`` of one attempt; the delivery's state afterwards (unless the
    claim was lost meanwhile: then the row is left to its new claimant)."""
    now = time.time() if now is None else now
    if outcome.result == "delivered":
        queue.finish(engine, delivery, queue.DELIVERED, outcome.detail, now=now)
        return queue.DELIVERED
    if outcome.result == "drop":
        queue.finish(engine, delivery, queue.DROPPED, outcome.detail, now=now)
        return queue.DROPPED
    next_at = now + sender.backoff.delay(delivery.attempt)
    if next_at > delivery.event.created_at + sender.backoff.give_up_after:
        if queue.finish(engine, delivery, queue.FAILED, outcome.detail, now=now):
            sender.gave_up(delivery, outcome.detail)
        return queue.FAILED
    queue.finish(engine, delivery, queue.PENDING, outcome.detail, next_at=next_at, now=now)
    return queue.PENDING


@dataclass
class Dispatcher:
    """One process's delivery loop (a daemon thread, started and stopped by the App)."""

    engine: Engine
    senders: Sequence[Sender]
    #: seconds between looks for due deliveries when the last look found none
    poll_interval: float = 1.0
    #: how long a claim keeps other claimants off a row (longer than one attempt)
    lease_seconds: float = 30.0
    #: delivered events are pruned after this many seconds
    keep_seconds: float = 7 * 86400.0
    holder: str = field(default_factory=new_holder)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _next_prune: float = 0.0

    def run_once(self) -> int:
        """Deliver every delivery due now, sender by sender; how many were tried."""
        tried = 0
        for sender in self.senders:
            while not self._stop.is_set():
                delivery = queue.claim(self.engine, sender.consumer, self.holder,
                                       self.lease_seconds)
                if delivery is None:
                    break
                tried += 1
                try:
                    outcome = sender.deliver(delivery)
                except Exception as exc:  # noqa: BLE001 - a sender bug must not stop the loop
                    log.warning("delivery %d of event %d failed", delivery.id,
                                delivery.event.id, exc_info=True)
                    outcome = Outcome.retry(f"{type(exc).__name__}: {exc}")
                settle(self.engine, sender, delivery, outcome)
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_EVERY
            queue.prune(self.engine, time.time() - self.keep_seconds)
            for sender in self.senders:
                sender.tidy(time.time())
        return tried

    def loop(self) -> None:
        while not self._stop.is_set():
            try:
                tried = self.run_once()
            except Exception:  # noqa: BLE001 - e.g. the database is away: try again later
                log.warning("outbox dispatch failed; retried in %g s", self.poll_interval,
                            exc_info=True)
                tried = 0
            if not tried:
                self._stop.wait(self.poll_interval)

    def start(self) -> "Dispatcher":
        self._thread = threading.Thread(target=self.loop, name="cms-dav-outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the attempt in progress (a claim left behind expires)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
