"""The real server for the operations tests: cheap bcrypt users, requests sent from a
chosen loopback source address with chosen headers (a simulated reverse proxy)."""

from __future__ import annotations

import base64
import http.client
from dataclasses import dataclass
from pathlib import Path

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support.server import ServerProcess

USERS = ("alice", "bob", "carol", "dave", "erin")


def start(data_dir: Path, config_text: str, users: tuple[str, ...] = USERS
          ) -> ServerProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "cms-dav.conf"
    config.write_text(config_text, encoding="utf-8")
    file = HtpasswdFile(data_dir / "users", rounds=4)
    for name in users:
        if not file.exists(name):
            file.add(name, f"{name}-pw")
    return ServerProcess(data_dir=data_dir, config=config).start()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def send(server: ServerProcess, method: str, path: str, *, source: str = "127.0.0.1",
         user: str = "", password: str = "", headers: dict[str, str] | None = None,
         body: bytes | None = None) -> Answer:
    """One request from loopback address ``source`` (the TCP peer the server sees)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60,
                                            source_address=(source, 0))
    sent = dict(headers or {})
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        sent["Authorization"] = f"Basic {token}"
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read())
    connection.close()
    return answer


def propfind(server: ServerProcess, user: str, password: str, *, source: str,
             forwarded_for: str | None = None) -> int:
    """PROPFIND Depth 0 of the user's home, optionally with X-Forwarded-For."""
    headers = {"Depth": "0"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return send(server, "PROPFIND", f"/{user}/", source=source, user=user,
                password=password, headers=headers).status


def request_lines(server: ServerProcess) -> list[dict[str, object]]:
    """The JSON request-log lines of the server's log (cms_dav.wsgi.request_log)."""
    import json

    found = []
    for line in server.log().splitlines():
        start = line.find('{"time": ')
        if start >= 0:
            found.append(json.loads(line[start:]))
    return found


def request_line(server: ServerProcess, request_id: str) -> dict[str, object]:
    import time

    for _ in range(50):  # the line is written when the answer's body is closed
        for line in request_lines(server):
            if line["request_id"] == request_id:
                return line
        time.sleep(0.1)
    raise AssertionError(f"no request-log line for {request_id}:\n{server.log()}")
