"""HTTP at the byte level, for tests that must control exactly what is sent and when."""

from __future__ import annotations

import base64
import socket
from dataclasses import dataclass, field
from typing import Iterator

import pytest

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support.server import ServerProcess

#: the body limit of the server the modules without special settings share (conftest)
BODY_LIMIT = 100_000


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def connect(server: ServerProcess, source: str = "127.0.0.1",
            timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout,
                                    source_address=(source, 0))
    return sock


def head(method: str, path: str, headers: dict[str, str] | None = None,
         version: str = "HTTP/1.1") -> bytes:
    lines = [f"{method} {path} {version}", "Host: test"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(body: bytes, size: int = 7) -> bytes:
    """``body`` in chunks of ``size`` bytes, with the last chunk."""
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
             for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


class Reader:
    """Reads responses from one socket (several, for keep-alive)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError("closed before a full line")
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def response(self, head_only: bool = False) -> Response:
        status_line = self._line()
        response = Response(int(status_line.split()[1]))
        while line := self._line():
            name, _, value = line.decode("latin-1").partition(":")
            response.headers[name.strip().lower()] = value.strip()
        if head_only or response.status in (100, 204, 304):
            return response
        if response.headers.get("transfer-encoding") == "chunked":
            response.body = self._chunked()
        elif "content-length" in response.headers:
            length = int(response.headers["content-length"])
            while len(self.buffer) < length:
                if not self._fill():
                    raise ConnectionError("closed inside a body")
            response.body, self.buffer = self.buffer[:length], self.buffer[length:]
        else:
            while self._fill():
                pass
            response.body, self.buffer = self.buffer, b""
        return response

    def _chunked(self) -> bytes:
        body = b""
        while True:
            size = int(self._line().split(b";")[0], 16)
            if size == 0:
                while self._line():
                    pass
                return body
            while len(self.buffer) < size + 2:
                if not self._fill():
                    raise ConnectionError("closed inside a chunk")
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2:]

    def closed(self) -> bool:
        """True when the server has closed the connection (EOF or reset)."""
        try:
            return not self._fill()
        except ConnectionResetError:
            return True


def exchange(server: ServerProcess, data: bytes, head_only: bool = False) -> Response:
    """Send ``data`` on a new connection and read one response."""
    with connect(server) as sock:
        sock.sendall(data)
        return Reader(sock).response(head_only)


def start_server(tmp_path_factory: pytest.TempPathFactory, name: str,
                 config: str) -> Iterator[ServerProcess]:
    """A module's server with users alice and bob (cheap bcrypt rounds)."""
    data_dir = tmp_path_factory.mktemp(name)
    config_path = data_dir / "cms-dav.conf"
    config_path.write_text(config, encoding="utf-8")
    users = HtpasswdFile(data_dir / "users", rounds=4)
    for user in ("alice", "bob"):
        users.add(user, f"{user}-pw")
    process = ServerProcess(data_dir=data_dir, config=config_path).start()
    yield process
    process.stop()
