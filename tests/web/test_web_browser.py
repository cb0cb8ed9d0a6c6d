"""The web app in a real browser (Playwright driving Debian's Chromium): sign in,
search as you type by pinyin and initials, add a call note and find it in the
vCard over CardDAV, create → delete → undo, switch languages; screenshots under
tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.support.server import ServerProcess
from tests.web.support import sign_in_form

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def page(browser: Browser, web_server: ServerProcess) -> Iterator[Page]:
    """alice, signed in through the form."""
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  locale="en-GB")
    opened = context.new_page()
    sign_in_form(opened, web_server, "alice", "alice-pw")
    yield opened
    context.close()


@pytest.mark.parametrize("query", ["zhang wei", "zw"])
def test_search_as_you_type_finds_zhang_wei(page: Page, web_server: ServerProcess,
                                             query: str) -> None:
    page.goto(f"{web_server.url}/app/contacts")
    page.fill("#search", "")
    page.type("#search", query)
    expect(page.locator("#results a", has_text="张伟")).to_be_visible()
    expect(page.locator("#results a", has_text="onerror")).to_have_count(0)


def test_a_call_note_shows_in_the_timeline_and_in_the_vcard(
        page: Page, web_server: ServerProcess) -> None:
    page.goto(f"{web_server.url}/app/contacts?q=zw")
    page.click("#results a:has-text('张伟')")
    page.select_option("select[name=kind]", "call")
    page.fill("textarea[name=text]", "Browser call about pricing")
    page.click("form.note button[type=submit]")
    expect(page.locator(".timeline li").first).to_contain_text("Browser call about pricing")
    card = requests.get(f"{web_server.url}/alice/contacts/zhang-wei.vcf",
                        auth=("alice", "alice-pw"))
    assert card.status_code == 200
    assert "Browser call about pricing" in card.text.replace("\r\n ", "")


@pytest.mark.parametrize(("language", "label"), [("简体中文", "联系人"), ("polski", "Kontakty")])
def test_switching_the_language_translates_the_labels(
        page: Page, web_server: ServerProcess, language: str, label: str) -> None:
    page.goto(f"{web_server.url}/app/contacts")
    page.click(f"form.lang button:has-text('{language}')")
    expect(page.locator("h1")).to_have_text(label)
    page.click("form.lang button:has-text('English')")
    expect(page.locator("h1")).to_have_text("Contacts")


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_the_contact_page(page: Page, web_server: ServerProcess,
                                          width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{web_server.url}/app/contacts/alice/contacts/zhang-wei.vcf")
    expect(page.locator("h1")).to_have_text("张伟")
    target = ARTIFACTS / f"web-contact-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_contact_created_deleted_and_undone_is_back_over_carddav(
        page: Page, web_server: ServerProcess) -> None:
    page.goto(f"{web_server.url}/")
    page.click("nav.pages-nav a[href='/app/contacts/new']")
    page.select_option("select[name=book]", "alice/contacts")
    page.fill("input[name=formatted]", "Browser Undo Person")
    page.fill("input[name=phone]", "+48 601 602 603")
    page.click("form.create button[type=submit]")
    expect(page.locator("h1")).to_have_text("Browser Undo Person")
    href = page.url.rsplit("/", 1)[1]
    card = f"{web_server.url}/alice/contacts/{href}"
    page.click("form.delete button[type=submit]")
    notice = page.locator("form.notice")
    expect(notice).to_contain_text("Deleted Browser Undo Person.")
    assert requests.get(card, auth=("alice", "alice-pw")).status_code == 404
    notice.locator("button").click()
    expect(page.locator("h1")).to_have_text("Browser Undo Person")
    assert requests.get(card, auth=("alice", "alice-pw")).status_code == 200


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize(("name", "path", "heading"), [
    ("dashboard", "/", "Dashboard"), ("new", "/app/contacts/new", "New contact"),
    ("trash", "/app/trash", "Trash")])
def test_screenshots_of_the_dashboard_new_contact_and_trash_pages(
        page: Page, web_server: ServerProcess, width: int, name: str, path: str,
        heading: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{web_server.url}{path}")
    expect(page.locator("h1")).to_have_text(heading)
    target = ARTIFACTS / f"web-{name}-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
