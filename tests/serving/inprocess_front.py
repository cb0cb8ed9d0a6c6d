"""cms_dav's own HTTP front serving a WSGI application built in the test's process.

``cms-dav serve`` runs the same front (``cms_dav.serving.run``) in its main thread with
signal handlers; here the event loop runs in a thread and stops on request, so a test
can hand the front an application it has wired itself (e.g. around a store that fails
on purpose) and still talk real HTTP to it.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Coroutine

from cms_dav.serving.admission import Admission
from cms_dav.serving.body import MemoryBudget
from cms_dav.serving.bridge import WSGIApp
from cms_dav.serving.connection import Connection, ServerState
from cms_dav.serving.limits import MEMORY_BUDGET_BYTES, ServerLimits
from cms_dav.serving.wire import Wire


class InProcessFront:
    """``around``: awaits each connection's coroutine in its place (a test's probe)."""

    def __init__(self, app: WSGIApp, limits: ServerLimits | None = None,
                 around: Callable[[Coroutine[Any, Any, None]], Awaitable[None]] | None = None
                 ) -> None:
        self.app = app
        self.limits = limits or ServerLimits()
        self.around = around
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()),
                                        name="in-process-front", daemon=True)

    def start(self) -> "InProcessFront":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the in-process front did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        pool = ThreadPoolExecutor(max_workers=self.limits.workers)
        state = ServerState(app=self.app, limits=self.limits, pool=pool,
                            admission=Admission(self.limits.max_connections,
                                                self.limits.max_connections_per_address),
                            budget=MemoryBudget(MEMORY_BUDGET_BYTES), server_name="127.0.0.1")

        async def on_connect(wire: Wire) -> None:
            serving = Connection(state, wire).serve()
            await (serving if self.around is None else self.around(serving))

        server = await self._loop.create_server(lambda: Wire(on_connect), "127.0.0.1", 0)
        self.port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> "InProcessFront":
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()
