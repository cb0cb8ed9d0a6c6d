"""Helpers of the JSON API tests: a seeded server and the URLs of the API."""

from __future__ import annotations

from pathlib import Path

from tests.support.server import ServerProcess

API = "/api/v1"


def seeded_server(data_dir: Path) -> ServerProcess:
    """A started server with alice and bob, each with the home Radicale seeds (an
    address book ``contacts``)."""
    server = ServerProcess(data_dir=data_dir)
    server.add_user("alice", "alice-pw")
    server.add_user("bob", "bob-pw")
    server.start()
    for user in ("alice", "bob"):  # the first request of a user seeds the home
        response = server.session(user, f"{user}-pw").request(
            "PROPFIND", f"{server.url}/{user}/", headers={"Depth": "0"})
        assert response.status_code == 207, response.text
    return server


def book_url(server: ServerProcess, owner: str = "alice", book: str = "contacts") -> str:
    return f"{server.url}{API}/address-books/{owner}/{book}/contacts"
