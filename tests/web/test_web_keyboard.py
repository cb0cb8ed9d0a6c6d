"""The web app is keyboard-usable (issue 16 item 3): signing in, searching, opening a
contact and logging a note work with Tab, typing and Enter alone, and every focused
control shows where the focus is."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.server import ServerProcess

#: more presses than any page here has controls before the one looked for
TAB_LIMIT = 60


def tab_to(page: Page, selector: str, text: str = "") -> None:
    """Press Tab until the focus is on ``selector`` (holding ``text``): the control is
    reachable in the page's tab order, as a keyboard user would reach it."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if page.evaluate("""([s, t]) => { const e = document.activeElement;
                                           return !!e && e.matches(s)
                                                  && e.textContent.includes(t); }""",
                         [selector, text]):
            return
    pytest.fail(f"{selector} {text} is not reachable with Tab within {TAB_LIMIT} presses")


def focus_is_visible(page: Page) -> bool:
    """The focused control draws an outline (or a box shadow) that tells where it is."""
    return bool(page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                          || s.boxShadow !== 'none'; }"""))


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    yield context.new_page()
    context.close()


def test_sign_in_search_open_a_contact_and_log_a_note_with_the_keyboard_alone(
        page: Page, web_server: ServerProcess) -> None:
    page.goto(f"{web_server.url}/app/signin")
    tab_to(page, "input[name=user]")
    page.keyboard.type("alice")
    tab_to(page, "input[name=password]")
    page.keyboard.type("alice-pw")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web_server.url}/")

    page.goto(f"{web_server.url}/app/contacts")
    tab_to(page, "#search")
    assert focus_is_visible(page)
    page.keyboard.type("zw")
    expect(page.locator("#results a", has_text="张伟")).to_be_visible()
    tab_to(page, "#results a", "张伟")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("张伟")

    tab_to(page, "form.note textarea[name=text]")
    page.keyboard.type("Logged from the keyboard")
    tab_to(page, "form.note button[type=submit]")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator(".timeline li").first).to_contain_text("Logged from the keyboard")
