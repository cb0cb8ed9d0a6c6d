"""Listening sockets, signals and the graceful stop of the front.

SIGTERM or SIGINT: stop accepting, close every connection that has no request in
flight, let the requests in flight finish (answered with ``Connection: close``) for up
to ``STOP_GRACE_SECONDS``, then return, so ``cms-dav serve`` exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import signal
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor

from cms_dav.serving.admission import Admission
from cms_dav.serving.balance import BalancedAcceptor, Seat
from cms_dav.wsgi.client_address import TrustedProxies
from cms_dav.serving.body import MemoryBudget
from cms_dav.serving.bridge import WSGIApp
from cms_dav.serving.connection import Connection, ServerState
from cms_dav.serving.limits import MEMORY_BUDGET_BYTES, STOP_GRACE_SECONDS, ServerLimits
from cms_dav.serving.wire import Wire

log = logging.getLogger("cms_dav.serving")

#: file descriptors kept for the database, logs and temporary files besides connections
_SPARE_FDS = 128
#: how long a closed TLS connection waits for the client's close_notify before its
#: socket is dropped (asyncio's default is 30 s): the connection no longer counts
#: against the connection limits then, but still holds a file descriptor
TLS_SHUTDOWN_SECONDS = 5.0


def run(app: WSGIApp, limits: ServerLimits, host: str, port: int,
        ssl_context: ssl.SSLContext | None = None, *, sock: socket.socket | None = None,
        parent: int | None = None, seat: Seat | None = None) -> None:
    """Serve ``app`` on ``host:port`` until SIGTERM/SIGINT. A worker of
    :mod:`cms_dav.serving.workers` passes the listening ``sock`` it shares with its
    siblings, its supervisor's pid as ``parent`` (it also stops when that dies) and its
    ``seat`` on the board that spreads connections over the workers
    (:mod:`cms_dav.serving.balance`)."""
    _raise_fd_limit(limits.max_connections + _SPARE_FDS)
    asyncio.run(_serve(app, limits, host, port, ssl_context, sock, parent, seat))


def _raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted or soft == resource.RLIM_INFINITY:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        log.warning("only %d file descriptors allowed: fewer connections than "
                    "[server] max_connections can be open", target)


async def _serve(app: WSGIApp, limits: ServerLimits, host: str, port: int,
                 ssl_context: ssl.SSLContext | None, sock: socket.socket | None,
                 parent: int | None, seat: Seat | None = None) -> None:
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="cms-dav-worker")
    state = ServerState(app=app, limits=limits, pool=pool,
                        admission=Admission(limits.max_connections,
                                            limits.max_connections_per_address,
                                            TrustedProxies(limits.trusted_proxies).trusts),
                        budget=MemoryBudget(MEMORY_BUDGET_BYTES), server_name=host,
                        https=ssl_context is not None)
    tasks: set[asyncio.Task[None]] = set()

    async def on_connect(wire: Wire) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await Connection(state, wire).serve()
        finally:
            tasks.discard(task)
            if seat is not None:
                seat.leave()

    def protocol() -> Wire:
        return Wire(on_connect)

    handshake = limits.header_timeout if ssl_context else None
    shutdown = TLS_SHUTDOWN_SECONDS if ssl_context else None
    server: asyncio.AbstractServer | BalancedAcceptor
    if sock is not None and seat is not None:
        async def take(conn: socket.socket) -> None:
            try:
                await loop.connect_accepted_socket(protocol, conn, ssl=ssl_context,
                                                   ssl_handshake_timeout=handshake,
                                                   ssl_shutdown_timeout=shutdown)
            except Exception:  # noqa: BLE001 - e.g. a failed TLS handshake: it is closed
                seat.leave()
                conn.close()

        server = BalancedAcceptor(sock, seat, take)
        server.start()
        listening = [sock]
    elif sock is not None:
        server = await loop.create_server(protocol, sock=sock,
                                          ssl=ssl_context, ssl_handshake_timeout=handshake,
                                          ssl_shutdown_timeout=shutdown)
        listening = list(server.sockets)
    else:
        server = await loop.create_server(
            protocol, host, port, ssl=ssl_context, backlog=1024,
            reuse_address=True, ssl_handshake_timeout=handshake,
            ssl_shutdown_timeout=shutdown)
        listening = list(server.sockets)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    orphan_watch = (asyncio.create_task(_stop_when_orphaned(parent, stop))
                    if parent is not None else None)
    addresses = ", ".join(_format(each.getsockname()) for each in listening)
    log.info("listening on %s (%d threads; at most %d connections, %d per address; "
             "deadlines: head %gs, body %gs, keep-alive %gs)", addresses, limits.workers,
             limits.max_connections, limits.max_connections_per_address,
             limits.header_timeout, limits.body_timeout, limits.keepalive_timeout)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    if orphan_watch is not None:
        orphan_watch.cancel()
    log.info("stopping: no new connections; finishing %d connection(s)", len(tasks))
    server.close()
    state.stopping = True
    for connection in list(state.connections):
        connection.close_if_waiting()
    if tasks:
        _, pending = await asyncio.wait(set(tasks), timeout=STOP_GRACE_SECONDS)
        if pending:
            log.warning("stopping: %d request(s) still running after %gs are cut off",
                        len(pending), STOP_GRACE_SECONDS)
        for task in pending:
            task.cancel()
    pool.shutdown(wait=True, cancel_futures=True)
    log.info("stopped")


async def _stop_when_orphaned(parent: int, stop: asyncio.Event) -> None:
    """A worker whose supervisor died (SIGKILL) stops gracefully instead of serving
    on without restarts or, on SQLite, WAL checkpoints."""
    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    log.warning("supervisor %d is gone: stopping", parent)
    stop.set()


def _format(address: tuple[object, ...]) -> str:
    host, port = str(address[0]), address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
