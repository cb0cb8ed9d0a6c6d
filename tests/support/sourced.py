"""Requests sent from a chosen loopback source address (the TCP peer the server sees:
127.0.0.0/8 is all loopback), for tests of what the server does per client address."""

from __future__ import annotations

import base64
import http.client
from dataclasses import dataclass

from tests.support.server import ServerProcess


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
