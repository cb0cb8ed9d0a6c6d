"""The real server for the operations tests: cheap bcrypt users; requests are sent from
a chosen loopback source address with chosen headers (a simulated reverse proxy) by
:mod:`tests.support.sourced`."""

from __future__ import annotations

from pathlib import Path

from tests.support.server import ServerProcess, configured_server

USERS = ("alice", "bob", "carol", "dave", "erin")


def start(data_dir: Path, config_text: str, users: tuple[str, ...] = USERS
          ) -> ServerProcess:
    """A started server whose ``users`` each have the password NAME-pw."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return configured_server(data_dir, config_text, {name: f"{name}-pw" for name in users})


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
