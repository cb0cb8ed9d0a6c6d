"""The web app's edits in a real browser (issue 16, "Tests that must exist"): edit the
phone and see the new ETag over CardDAV; an edit of a contact changed over CardDAV
meanwhile is shown, not overwritten; a read-only sharee sees no edit controls and a
forged POST gets 403; screenshots of the other main pages at 375 and 1280 px under
tests/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.support.server import ServerProcess
from tests.web.support import add_cards, sign_in_form

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _signed_in(browser: Browser, server: ServerProcess, user: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    opened = context.new_page()
    sign_in_form(opened, server, user, f"{user}-pw")
    yield opened
    context.close()


@pytest.fixture(scope="module")
def alice(browser: Browser, web_server: ServerProcess) -> Iterator[Page]:
    yield from _signed_in(browser, web_server, "alice")


@pytest.fixture(scope="module")
def bob(browser: Browser, web_server: ServerProcess) -> Iterator[Page]:
    yield from _signed_in(browser, web_server, "bob")


def _card(server: ServerProcess, uid: str) -> requests.Response:
    answer = requests.get(f"{server.url}/alice/contacts/{uid}.vcf", auth=("alice", "alice-pw"))
    assert answer.status_code == 200
    return answer


def test_editing_the_phone_shows_a_new_etag_over_carddav(
        alice: Page, web_server: ServerProcess) -> None:
    add_cards(web_server, "contacts", [{"uid": "browser-phone",
                                        "name": {"formatted": "Piotr Telefon"},
                                        "phones": [{"value": "+48 600 111 222"}]}])
    before = _card(web_server, "browser-phone").headers["ETag"]
    alice.goto(f"{web_server.url}/app/contacts/alice/contacts/browser-phone.vcf")
    alice.click("a.edit")
    alice.fill("input[name=phone]", "+48 600 333 444")
    alice.click("form.edit button[type=submit]")
    expect(alice.locator("h1")).to_have_text("Piotr Telefon")
    expect(alice.locator("dl.fields")).to_contain_text("+48 600 333 444")
    after = _card(web_server, "browser-phone")
    assert after.headers["ETag"] != before
    assert "+48 600 333 444" in after.text and "+48 600 111 222" not in after.text


def test_an_edit_of_a_contact_changed_over_carddav_meanwhile_is_shown_not_saved(
        alice: Page, web_server: ServerProcess) -> None:
    add_cards(web_server, "contacts", [{"uid": "browser-conflict",
                                        "name": {"formatted": "Konrad Konflikt"},
                                        "title": "Buyer"}])
    alice.goto(f"{web_server.url}/app/contacts/alice/contacts/browser-conflict.vcf/edit")
    current = _card(web_server, "browser-conflict")  # meanwhile, a phone changes it
    changed = requests.put(f"{web_server.url}/alice/contacts/browser-conflict.vcf",
                           data=current.text.replace("TITLE:Buyer", "TITLE:Director").encode(),
                           headers={"Content-Type": "text/vcard",
                                    "If-Match": current.headers["ETag"]},
                           auth=("alice", "alice-pw"))
    assert changed.status_code in (201, 204), changed.text
    alice.fill("input[name=title]", "Intern")
    alice.click("form.edit button[type=submit]")
    notice = alice.locator("div.conflict[role=alert]")
    expect(notice).to_contain_text("changed on another device")
    expect(notice).to_contain_text("Director")  # the other version is shown
    expect(alice.locator("input[name=title]")).to_have_value("Intern")  # mine is kept
    assert "TITLE:Director" in _card(web_server, "browser-conflict").text


def test_a_read_only_sharee_sees_no_edit_controls_and_a_forged_post_is_refused(
        bob: Page, web_server: ServerProcess) -> None:
    contact = f"{web_server.url}/app/contacts/alice/shared/shared-1.vcf"
    bob.goto(contact)
    expect(bob.locator("h1")).to_have_text("Anna Nowak")
    for control in ("a.edit", "form.note", "form.delete", "button:has-text('Mark done')"):
        expect(bob.locator(control)).to_have_count(0)
    token = re.search(r'name="csrf" value="([^"]*)"', bob.content())
    assert token is not None
    for action, form in ((f"{contact}/notes", {"kind": "call", "text": "forged"}),
                         (f"{contact}/edit", {"formatted": "Forged"}),
                         (f"{contact}/delete", {})):
        answer = bob.request.post(action, form={"csrf": token.group(1), **form})
        assert answer.status == 403, action
    card = requests.get(f"{web_server.url}/alice/shared/shared-1.vcf", auth=("alice", "alice-pw"))
    assert "forged" not in card.text.lower()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize(("name", "path", "heading"), [
    ("contacts", "/app/contacts", "Contacts"), ("reports", "/app/reports", "Reports"),
    ("transfer", "/app/transfer", "Import and export"),
    ("duplicates", "/app/duplicates", "Duplicates"), ("sharing", "/app/sharing", "Sharing"),
    ("segments", "/app/segments", "Segments")])
def test_screenshots_of_the_other_main_pages(alice: Page, web_server: ServerProcess,
                                             width: int, name: str, path: str,
                                             heading: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    alice.set_viewport_size({"width": width, "height": 900})
    alice.goto(f"{web_server.url}{path}")
    expect(alice.locator("h1")).to_have_text(heading)
    target = ARTIFACTS / f"web-{name}-{width}.png"
    alice.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 0
    assert alice.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_the_sign_in_page(browser: Browser, web_server: ServerProcess,
                                         width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        opened = context.new_page()
        opened.goto(f"{web_server.url}/app/signin")
        expect(opened.locator("h1")).to_have_text("Sign in")
        target = ARTIFACTS / f"web-signin-{width}.png"
        opened.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 0
        assert opened.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
