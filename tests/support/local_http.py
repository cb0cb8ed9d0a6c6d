"""A small HTTP endpoint on 127.0.0.1 in a thread, for the receivers the server talks to
(webhook receivers, push services): it keeps every POST it got and answers ``status``;
stopped, its port refuses connections (a receiver that is down)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from tests.support.server import free_port


@dataclass
class LocalEndpoint:
    port: int = field(default_factory=free_port)
    status: int = 200
    #: when set, each request waits for this event before it is answered (a hung receiver)
    hold: threading.Event | None = None
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, headers: dict[str, str], body: bytes) -> None:
        """Record one POST (called under the endpoint's lock)."""
        raise NotImplementedError

    def start(self) -> Self:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with endpoint._lock:
                    endpoint.keep(dict(self.headers.items()), body)
                if endpoint.hold is not None:
                    endpoint.hold.wait(30)
                self.send_response(endpoint.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        """``with Endpoint() as started:`` starts it and stops it on leaving."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
