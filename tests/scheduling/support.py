"""The scheduling tests' one server set-up: users with calendar user addresses."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import caldav

from tests.support.server import ServerProcess


@contextmanager
def scheduling_server(data_dir: Path, passwords: dict[str, str], emails: dict[str, str],
                      config: Path | None = None) -> Iterator[ServerProcess]:
    """A started server on ``data_dir`` whose users each have ``emails[user]`` as their
    calendar user address (RFC 6638 §2.4.1) and a calendar made by their first login;
    stopped on leaving."""
    server = ServerProcess(data_dir=data_dir, config=config)
    for user, password in passwords.items():
        server.add_user(user, password)
        server.cli("user", "set", user, "--email", emails[user], check=True)
    server.start()
    try:
        for user, password in passwords.items():  # the first login makes the calendar
            caldav.DAVClient(url=server.url + "/", username=user,
                             password=password).principal().calendars()
        yield server
    finally:
        server.stop()
