"""Issue 10 item 5: every 4xx names its problem; DELETE / and PROPPATCH / as stock Radicale."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from radicale.app import Application

from cms_dav.app import build_app
from cms_dav.config import load_settings
from tests.support.dav import MKADDRESSBOOK, put_card, vcard
from tests.support.server import ServerProcess


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _started(data_dir: Path, config_text: str | None = None) -> ServerProcess:
    config = None
    if config_text is not None:
        config = data_dir / "cms-dav.conf"
        config.write_text(config_text, encoding="utf-8")
    server = ServerProcess(data_dir=data_dir, config=config)
    server.add_user("alice", "alice-pw")
    server.add_user("bob", "bob-pw")
    return server.start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the module (users alice and bob); every test uses its own hrefs."""
    started = _started(tmp_path_factory.mktemp("rejections"))
    yield started
    started.stop()


@dataclass
class InProcessServer:
    url: str

    def session(self, user: str, password: str) -> requests.Session:
        session = requests.Session()
        session.auth = (user, password)
        return session


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def root_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    """Radicale's own suite runs with rights that give W on "/"; so does this server.

    cms_dav's policy never grants W on "/" and ``[radicale:rights]`` cannot replace it,
    so the test swaps Radicale's rights in the App's configuration (in this process,
    under wsgiref) to reach the storage plugin's DELETE / and PROPPATCH / paths."""
    app = build_app(load_settings(tmp_path_factory.mktemp("root")))
    app.authenticator.users.add("alice", "alice-pw")
    configuration = app.radicale_configuration()
    configuration.update({"rights": {"type": "authenticated"}}, "test: W on /",
                         privileged=True)
    httpd = make_server("127.0.0.1", 0, app.wrap(Application(configuration)),
                        server_class=ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield InProcessServer(f"http://127.0.0.1:{httpd.server_port}")
    httpd.shutdown()
    httpd.server_close()
    app.close()


PROPPATCH_ROOT = ('<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>'
                  '<d:displayname>Root</d:displayname></d:prop></d:set></d:propertyupdate>')


def test_put_into_another_users_book_names_the_refusal(server: ServerProcess) -> None:
    response = put_card(server.session("alice", "alice-pw"),
                        f"{server.url}/bob/contacts/x.vcf", vcard("x", "X Y"))
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "you may not write to this resource" in response.text


def test_put_into_a_missing_collection_names_the_missing_parent(server: ServerProcess) -> None:
    response = put_card(server.session("alice", "alice-pw"),
                        f"{server.url}/alice/nope/x.vcf", vcard("x", "X Y"))
    assert response.status_code == 409 and "/alice/nope/ does not exist" in response.text


def test_get_of_a_missing_item_says_nothing_is_there(server: ServerProcess) -> None:
    response = server.session("alice", "alice-pw").get(f"{server.url}/alice/contacts/no.vcf")
    assert response.status_code == 404 and "nothing at this path" in response.text


def test_uid_conflict_keeps_its_precondition_and_gains_a_description(
        server: ServerProcess) -> None:
    alice = server.session("alice", "alice-pw")
    put_card(alice, f"{server.url}/alice/contacts/a.vcf", vcard("same", "A B"))
    response = put_card(alice, f"{server.url}/alice/contacts/b.vcf", vcard("same", "C D"))
    assert response.status_code == 409
    assert "no-uid-conflict" in response.text and "already has this UID" in response.text


def test_broken_card_is_refused_with_its_line_and_no_traceback_is_logged(
        server: ServerProcess) -> None:
    alice = server.session("alice", "alice-pw")
    text = vcard("b", "A B").replace("N:B;A;;;", "N B A")
    response = put_card(alice, f"{server.url}/alice/contacts/b.vcf", text)
    assert response.status_code == 400 and "line 5" in response.text
    assert "Traceback" not in response.text and "Traceback" not in server.log()


def test_mkcol_on_an_existing_collection_names_the_refusal(server: ServerProcess) -> None:
    response = server.session("alice", "alice-pw").request(
        "MKCOL", f"{server.url}/alice/contacts/", data=MKADDRESSBOOK.format(name="x").encode())
    assert response.status_code == 405 and "already exists" in response.text


def test_proppatch_of_the_root_answers_as_stock_radicale_not_400(
        root_server: InProcessServer) -> None:
    server = root_server
    alice = server.session("alice", "alice-pw")
    response = alice.request("PROPPATCH", f"{server.url}/", data=PROPPATCH_ROOT.encode())
    assert response.status_code == 207
    listing = alice.request("PROPFIND", f"{server.url}/", headers={"Depth": "0"},
                            data=b'<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/>'
                                 b'</d:prop></d:propfind>')
    assert "<displayname>Root</displayname>" in listing.text


def test_delete_of_the_root_answers_as_stock_radicale_not_500(
        root_server: InProcessServer) -> None:
    server = root_server
    alice = server.session("alice", "alice-pw")
    put_card(alice, f"{server.url}/alice/contacts/a.vcf", vcard("a", "A B"))
    response = alice.delete(f"{server.url}/")
    assert response.status_code == 200 and "<href>/</href>" in response.text
    assert alice.get(f"{server.url}/alice/contacts/a.vcf").status_code == 404

