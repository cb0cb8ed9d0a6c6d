"""axe-core (bundled by axe-playwright-python, nothing downloaded) in Debian's Chromium
over the main pages: no serious or critical violation (WCAG 2.1 A/AA rules and axe's
best practices), at a desktop width and at 375 px."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from tests.support.server import ServerProcess
from tests.web.support import sign_in_form

PAGES = {
    "contacts": "/app/contacts",
    "contact": "/app/contacts/alice/contacts/zhang-wei.vcf",
    "reports": "/app/reports",
    "import and export": "/app/transfer",
    "dashboard": "/",
    "new contact": "/app/contacts/new",
    "trash": "/app/trash",
    "duplicates": "/app/duplicates",
    "sharing": "/app/sharing",
    "segments": "/app/segments",
}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module", params=[1280, 375], ids=["desktop", "phone"])
def page(request: pytest.FixtureRequest, browser: Browser, web_server: ServerProcess
         ) -> Iterator[Page]:
    width = int(request.param)
    context = browser.new_context(viewport={"width": width, "height": 800})
    opened = context.new_page()
    opened.goto(f"{web_server.url}/app/signin")
    yield opened
    context.close()


def _blocking(page: Page) -> list[str]:
    results: dict[str, Any] = Axe().run(page).response
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{[node['target'] for node in v['nodes']][:3]}"
            for v in results["violations"] if v.get("impact") in BLOCKING]


def test_the_sign_in_page_has_no_serious_accessibility_violation(
        page: Page, web_server: ServerProcess) -> None:
    page.goto(f"{web_server.url}/app/signin")
    assert _blocking(page) == []


@pytest.mark.parametrize("name", list(PAGES))
def test_the_signed_in_pages_have_no_serious_accessibility_violation(
        page: Page, web_server: ServerProcess, name: str) -> None:
    if "/app/signin" in page.url:
        sign_in_form(page, web_server, "alice", "alice-pw")
    page.goto(f"{web_server.url}{PAGES[name]}")
    assert page.url.endswith(PAGES[name])
    assert _blocking(page) == []
