"""A webhook receiver on 127.0.0.1 in a thread: keeps every request it got and answers
``status`` (after ``hold`` is set, when given); stopped, its port refuses connections
(a receiver that is down)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from cms_dav.webhooks import signing
from tests.support.server import free_port


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    def signed_by(self, secret: str) -> bool:
        return signing.verify(secret, self.headers.get(signing.TIMESTAMP_HEADER, ""),
                              self.body, self.headers.get(signing.SIGNATURE_HEADER, ""))


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    status: int = 200
    #: when set, each request waits for this event before it is answered (a hung receiver)
    hold: threading.Event | None = None
    got: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.got.append(Received(dict(self.headers.items()), body))
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                self.send_response(receiver.status)
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

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [each.event for each in self.got]

    def wait_for(self, done: Callable[[list[dict[str, Any]]], bool],
                 seconds: float = 20.0) -> list[dict[str, Any]]:
        """The events once ``done`` says they are complete (AssertionError after
        ``seconds``: a bound for a hung test, not a measured time)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = self.events()
            if done(got):
                return got
            time.sleep(0.05)
        raise AssertionError(f"receiver still waiting; got {self.events()}")
