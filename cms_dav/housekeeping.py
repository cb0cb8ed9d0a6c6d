"""Housekeeping: one job that applies every retention rule (:mod:`cms_dav.store.retention`)
— trash after ``[trash] days``, history per ``[history] days``/``keep``, audit per
``[audit] days``, the sync log per ``sync_token_days``, dead app passwords per
``[auth] app_password_days``.

It runs as ``cms-dav housekeeping`` (cron, ``systemd/cms-dav-housekeeping.timer``) and,
every ``[housekeeping] interval`` seconds, in a daemon thread of ``cms-dav serve``
(:class:`Housekeeper`, started and stopped by the App like the WAL checkpoints). Several
nodes on one PostgreSQL database take turns through a lease in the database
(:mod:`cms_dav.store.lease`); a node that finds it held skips that round.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from cms_dav.config import Settings
from cms_dav.store import audit, lease, retention
from cms_dav.store.engine import write_tx
from cms_dav.store.retention import Removed, RetentionRules

log = logging.getLogger("cms_dav.housekeeping")

LEASE = "housekeeping"
#: a holder that died stops blocking the other nodes after this long
LEASE_SECONDS = 900.0
#: the first periodic run comes this soon after start-up (at most), then every interval
FIRST_RUN_AFTER = 60.0


def rules_of(settings: Settings) -> RetentionRules:
    return RetentionRules(history_days=settings.history_days,
                          history_keep=settings.history_keep,
                          trash_days=settings.trash_days, audit_days=settings.audit_days,
                          token_days=settings.sync_token_days,
                          app_password_days=settings.app_password_days,
                          batch=settings.housekeeping_batch)


@dataclass
class Outcome:
    """One run: whether this process ran it (False: another holds the lease) and what
    it removed."""

    ran: bool
    removed: Removed = field(default_factory=Removed)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {"ran": self.ran, "seconds": round(self.seconds, 3),
                "removed": self.removed.as_dict()}


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def run_once(engine: Engine, rules: RetentionRules, actor: str,
             holder: str | None = None, now: float | None = None,
             stop: threading.Event | None = None) -> Outcome:
    """Apply every rule once, unless another process holds the housekeeping lease.
    A run that removed something leaves one audit entry ("housekeeping") with counts.
    ``stop`` (set on shutdown) ends the run between two batches (Interrupted)."""
    holder = holder or new_holder()
    started = time.monotonic()
    if not lease.acquire(engine, LEASE, holder, LEASE_SECONDS):
        return Outcome(ran=False)
    try:
        removed = retention.apply(engine, rules, now, stop)
        if removed.total:
            with write_tx(engine) as conn:
                audit.record(conn, actor, "housekeeping", "", removed.as_dict(),
                             kind="purge")
    finally:
        lease.release(engine, LEASE, holder)
    return Outcome(ran=True, removed=removed, seconds=time.monotonic() - started)


@dataclass
class Housekeeper:
    """The periodic job of a server process (a daemon thread)."""

    engine: Engine
    rules: RetentionRules
    interval: float
    actor: str = "housekeeping"
    runs: int = 0
    last: Outcome | None = None
    holder: str = field(default_factory=new_holder)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def run(self) -> Outcome:
        self.last = run_once(self.engine, self.rules, self.actor, self.holder,
                             stop=self._stop)
        self.runs += 1
        if self.last.ran and self.last.removed.total:
            log.info("housekeeping removed %s", self.last.removed.as_dict())
        return self.last

    def loop(self) -> None:
        wait = min(self.interval, FIRST_RUN_AFTER)
        while not self._stop.wait(wait):
            try:
                self.run()
            except retention.Interrupted:
                return
            except Exception:  # noqa: BLE001 - a failed round is retried, never fatal
                log.warning("housekeeping failed; retried in %g s", self.interval,
                            exc_info=True)
            wait = self.interval

    def start(self) -> "Housekeeper":
        self._thread = threading.Thread(target=self.loop, name="cms-dav-housekeeping",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the batch in progress (each batch is its own short transaction)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)


def start_housekeeper(engine: Engine, settings: Settings) -> Housekeeper | None:
    """The periodic job for ``settings`` (None when ``[housekeeping] interval`` is 0)."""
    if settings.housekeeping_interval <= 0:
        return None
    return Housekeeper(engine, rules_of(settings), settings.housekeeping_interval).start()
