"""Several worker processes on one port: ``cms-dav serve --workers N`` (issue 17, item 1).

Pre-forking, as gunicorn does, but each worker runs cms_dav's own front
(:mod:`cms_dav.serving`), which keeps its slow-client defences (head/body deadlines,
admission limits, buffered bodies) that gunicorn's sync workers lack.

The supervisor (this process) binds the listening socket once and forks the workers,
which all accept on that one socket: the kernel hands each connection to one of them,
and a dying or restarting worker loses nothing queued on the socket (unlike separate
``SO_REUSEPORT`` sockets, whose queue dies with their owner). The supervisor itself
serves nothing and holds no database connection when it forks; it

* restarts a worker that dies (a crash, the OOM killer), unless workers keep dying
  within ``QUICK_DEATH_SECONDS`` of their start ``MAX_QUICK_DEATHS`` times in a row,
  which stops the server (a broken configuration must not loop forever);
* on SIGTERM/SIGINT passes SIGTERM on: each worker stops accepting and finishes its
  requests in flight (:mod:`cms_dav.serving.listener`); after ``STOP_GRACE_SECONDS``
  and a margin, the stragglers get SIGKILL;
* on SQLite is the ONE process running WAL checkpoints (the workers' connections have
  automatic checkpoints off, see :mod:`cms_dav.store.checkpoint`);
* tells ``prometheus_client`` when a worker is gone (its live gauges stop counting);
* gives each worker a seat on a :class:`~cms_dav.serving.balance.Board` on which the
  workers spread the connections evenly (:mod:`cms_dav.serving.balance`).

A worker whose supervisor is killed notices within a second and stops gracefully.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from cms_dav.serving.balance import Board, Seat
from cms_dav.serving.limits import STOP_GRACE_SECONDS

log = logging.getLogger("cms_dav.serving")

#: a worker dying this soon after its start counts as a quick death
QUICK_DEATH_SECONDS = 5.0
#: quick deaths in a row after which the server gives up
MAX_QUICK_DEATHS = 5
#: how often the supervisor looks at its workers (and, on SQLite, checkpoints)
TICK_SECONDS = 0.2

#: runs in a forked worker with the shared socket, the supervisor's pid and the worker's
#: seat on the connection board; returns when the worker has stopped
WorkerMain = Callable[[socket.socket, int, Seat], None]


def default_count() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """The one socket every worker accepts on (IPv6 when ``host`` is an IPv6 address)."""
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = info[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class Supervisor:
    """Forks ``count`` workers running ``worker_main`` on ``sock`` and keeps them up.

    ``tick``: called every ``TICK_SECONDS`` between looks at the workers (the SQLite
    checkpoint); ``worker_gone``: called with the pid of every worker that ended."""

    sock: socket.socket
    count: int
    worker_main: WorkerMain
    tick: Callable[[], None] = lambda: None
    worker_gone: Callable[[int], None] = lambda pid: None
    #: pid -> worker slot (0..count-1) and start time
    workers: dict[int, tuple[int, float]] = field(default_factory=dict)
    stopping: bool = False
    quick_deaths: int = 0
    failed: bool = False
    board: Board | None = None

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT (0) or until workers keep dying (1)."""
        previous = {signum: signal.signal(signum, self._on_stop)
                    for signum in (signal.SIGTERM, signal.SIGINT)}
        self.board = Board(self.count)
        try:
            for slot in range(self.count):
                self._spawn(slot)
            while not self.stopping:
                self._reap(restart=True)
                try:
                    self.tick()
                except Exception:  # noqa: BLE001 - a failed tick never stops serving
                    log.warning("supervisor task failed", exc_info=True)
                time.sleep(TICK_SECONDS)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.sock.close()
            self._stop_workers()
        return 1 if self.failed else 0

    # -- workers -----------------------------------------------------------------------
    def _spawn(self, slot: int) -> None:
        assert self.board is not None
        seat = self.board.seat(slot)
        seat.reset()  # a dead worker's connections died with it
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the supervisor's stack
            code = 0
            try:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(signum, signal.SIG_DFL)
                self.worker_main(self.sock, parent, seat)
            except BaseException:  # noqa: BLE001 - reported, then the worker ends
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.workers[pid] = (slot, time.monotonic())
        log.info("worker %d started (pid %d)", slot, pid)

    def _reap(self, *, restart: bool) -> None:
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.workers.clear()
                return
            if pid == 0:
                return
            if pid not in self.workers:
                continue
            slot, started = self.workers.pop(pid)
            self.worker_gone(pid)
            if not restart or self.stopping:
                continue
            log.warning("worker %d (pid %d) ended (%s): starting another", slot, pid,
                        _describe(status))
            if time.monotonic() - started < QUICK_DEATH_SECONDS:
                self.quick_deaths += 1
                if self.quick_deaths >= MAX_QUICK_DEATHS:
                    log.error("workers keep dying at start (%d in a row): stopping; "
                              "see the errors above", self.quick_deaths)
                    self.failed = True
                    self.stopping = True
                    return
            else:
                self.quick_deaths = 0
            self._spawn(slot)

    def _stop_workers(self) -> None:
        if not self.workers:
            return
        log.info("stopping %d worker(s): each finishes its requests in flight",
                 len(self.workers))
        for pid in list(self.workers):
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS + 5
        while self.workers and time.monotonic() < deadline:
            self._reap(restart=False)
            time.sleep(0.05)
        for pid in list(self.workers):
            log.warning("worker pid %d did not stop in time: killed", pid)
            _signal(pid, signal.SIGKILL)
        while self.workers:
            pid, _ = os.waitpid(next(iter(self.workers)), 0)
            self.workers.pop(pid, None)
            self.worker_gone(pid)

    def _on_stop(self, signum: int, _frame: object) -> None:
        self.stopping = True


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
