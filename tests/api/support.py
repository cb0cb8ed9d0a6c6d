"""Helpers of the JSON API tests: a seeded server and the URLs of the API."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cms_dav.app import App, build_app
from cms_dav.auth.admin import add_user
from cms_dav.config import load_settings

from tests.support.server import ServerProcess

API = "/api/v1"


def seeded_server(data_dir: Path) -> ServerProcess:
    """A started server with alice and bob, each with the home Radicale seeds (an
    address book ``contacts``)."""
    server = ServerProcess(data_dir=data_dir)
    with in_process(server) as app:  # one process start instead of a CLI run per user
        for user in ("alice", "bob"):
            add_user(app.authenticator.users, lambda: app.store, "tests", user, f"{user}-pw")
    server.start()
    for user in ("alice", "bob"):  # the first request of a user seeds the home
        response = server.session(user, f"{user}-pw").request(
            "PROPFIND", f"{server.url}/{user}/", headers={"Depth": "0"})
        assert response.status_code == 207, response.text
    return server


def book_url(server: ServerProcess, owner: str = "alice", book: str = "contacts") -> str:
    return f"{server.url}{API}/address-books/{owner}/{book}/contacts"


@contextmanager
def in_process(server: ServerProcess) -> Iterator[App]:
    """The server's services in the test process (its data directory), for set-up and
    for looking at what a request stored."""
    with build_app(load_settings(server.data_dir)) as app:
        yield app
