"""One seeded server for the web app tests: alice's address book ``contacts`` (张伟, a
contact whose name is markup, unshared) and ``shared`` (read-only to bob)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Browser, sync_playwright

from tests.api.support import API, seeded_server
from tests.support.server import ServerProcess
from tests.web.support import add_cards, new_book, sign_in

CHROMIUM = "/usr/bin/chromium"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="package")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = seeded_server(tmp_path_factory.mktemp("web"))
    add_cards(server, "contacts", (
        {"uid": "zhang-wei", "name": {"formatted": "张伟", "family": "张", "given": "伟"},
         "phones": [{"value": "+48 600 100 200"}]},
        {"uid": "markup", "name": {"formatted": XSS, "given": XSS}}))
    new_book(server, "shared", "Shared",
             [{"uid": "shared-1", "name": {"formatted": "Anna Nowak"}}])
    granted = server.session("alice", "alice-pw").post(f"{server.url}{API}/shares/alice/shared",
                         json={"to": "user:bob", "access": "read"})
    assert granted.status_code == 201, granted.text
    yield server
    server.stop()


@pytest.fixture(scope="package")
def alice_web(web_server: ServerProcess) -> requests.Session:
    return sign_in(web_server, "alice", "alice-pw")


@pytest.fixture(scope="package")
def bob_web(web_server: ServerProcess) -> requests.Session:
    return sign_in(web_server, "bob", "bob-pw")


@pytest.fixture(scope="package")
def chromium() -> str:
    """Debian's Chromium (``python3 dev.py test`` installs it as root); without it the
    browser tests skip, unless ``CMS_DAV_REQUIRE_BROWSER=1`` (.ci/run) fails them."""
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    problem = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if os.environ.get("CMS_DAV_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium is required (CMS_DAV_REQUIRE_BROWSER=1): {problem}")
    pytest.skip(f"browser tests need Debian's Chromium: {problem}")


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    """Debian's Chromium, headless, for one test module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium,
                                              args=["--no-sandbox"])
        yield launched
        launched.close()
