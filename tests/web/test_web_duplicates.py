"""Duplicates review in the web app over HTTP: the books alice may change, the likely
duplicates of one, two cards side by side, and merging them through the dedupe merge
(one card kept with everything the other knew), refused without the CSRF token, refused
(409, "changed on another device") when a card changed after the page was made, and
refused (403) to bob, who may only read alice's shared book.

Every book here is this module's own (the package server is shared): each test that
merges works on a book of its own."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.api.support import book_url
from tests.api.test_api_app_passwords import token_of
from tests.support.server import ServerProcess
from tests.web.conftest import XSS
from tests.web.support import csrf_of, new_book, sign_in, sign_in_form, untranslated

EMAIL = "jan.kowalski@example.com"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _pair(server: ServerProcess, book: str, name: str = "Jan Kowalski") -> None:
    """A new book ``book`` of alice's holding two cards of one person (same e-mail)."""
    new_book(server, book, book, (
        {"uid": f"{book}-a", "name": {"formatted": name}, "emails": [{"value": EMAIL}],
         "phones": [{"value": "+48 600 111 222"}],
         "organisation": {"name": "Acme", "units": []}},
        {"uid": f"{book}-b", "name": {"formatted": name},
         "emails": [{"value": EMAIL.upper()}], "phones": [{"value": "+48 600 333 444"}]}))


@pytest.fixture(scope="module")
def books(web_server: ServerProcess) -> ServerProcess:
    for book in ("dupes", "merge-ok", "merge-stale", "merge-csrf"):
        _pair(web_server, book)
    _pair(web_server, "dupes-markup", XSS)
    return web_server


def _compare_url(session: requests.Session, server: ServerProcess, book: str) -> str:
    listed = session.get(f"{server.url}/app/duplicates/alice/{book}")
    assert listed.status_code == 200, listed.text
    found = re.search(rf'href="(/app/duplicates/alice/{re.escape(book)}/[0-9a-f]+)"',
                      listed.text)
    assert found is not None, listed.text
    return server.url + found.group(1)


def _merge_form(page: str) -> dict[str, str]:
    etags = re.search(r'name="etags" value="([^"]*)"', page)
    assert etags is not None
    return {"csrf": csrf_of(page), "etags": html.unescape(etags.group(1))}


def _exists(server: ServerProcess, book: str, uid: str) -> bool:
    answer = server.session("alice", "alice-pw").get(f"{server.url}/alice/{book}/{uid}.vcf")
    return answer.status_code == 200


def test_the_duplicates_page_offers_the_books_alice_may_change(
        books: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(f"{books.url}/app/duplicates")
    assert page.status_code == 200
    assert 'href="/app/duplicates/alice/dupes"' in page.text


def test_a_book_lists_its_pair_of_duplicates_with_the_evidence(
        books: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(f"{books.url}/app/duplicates/alice/dupes")
    assert page.status_code == 200
    assert "Jan Kowalski · Jan Kowalski" in page.text  # the two cards of the pair
    assert EMAIL in page.text  # the reason: the same e-mail


def test_the_comparison_shows_both_cards_and_a_merge_form(
        books: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(_compare_url(alice_web, books, "dupes"))
    assert page.status_code == 200
    assert "dupes-a.vcf" in page.text and "dupes-b.vcf" in page.text
    assert "+48 600 111 222" in page.text and "+48 600 333 444" in page.text
    assert re.search(r'<form method="post" action="[^"]*/merge"', page.text)


def test_merging_keeps_one_card_with_what_both_knew(
        books: ServerProcess, alice_web: requests.Session) -> None:
    contact = f"{books.url}/app/contacts/alice/merge-ok/merge-ok-b.vcf"
    noted = alice_web.post(contact + "/notes", data={
        "csrf": csrf_of(alice_web.get(contact).text), "kind": "call",
        "text": "called before the merge"})
    assert noted.status_code == 200, noted.text
    url = _compare_url(alice_web, books, "merge-ok")
    page = alice_web.get(url)
    merged = alice_web.post(url + "/merge", data=_merge_form(page.text),
                            allow_redirects=False)
    assert merged.status_code == 303, merged.text
    kept = merged.headers["Location"].rsplit("/", 1)[1].removesuffix(".vcf")
    gone = ({"merge-ok-a", "merge-ok-b"} - {kept}).pop()
    assert not _exists(books, "merge-ok", gone)
    card = books.session("alice", "alice-pw").get(
        f"{books.url}/alice/merge-ok/{kept}.vcf").text
    assert "+48 600 111 222" in card and "+48 600 333 444" in card and "Acme" in card
    assert "called before the merge" in card.replace("\r\n ", "")


def test_a_merge_without_the_csrf_token_is_refused_and_keeps_both_cards(
        books: ServerProcess, alice_web: requests.Session) -> None:
    url = _compare_url(alice_web, books, "merge-csrf")
    form = _merge_form(alice_web.get(url).text)
    del form["csrf"]
    answer = alice_web.post(url + "/merge", data=form, allow_redirects=False)
    assert answer.status_code == 403
    assert _exists(books, "merge-csrf", "merge-csrf-a")
    assert _exists(books, "merge-csrf", "merge-csrf-b")


def test_a_card_changed_on_another_device_meanwhile_is_not_merged(
        books: ServerProcess, alice_web: requests.Session) -> None:
    url = _compare_url(alice_web, books, "merge-stale")
    form = _merge_form(alice_web.get(url).text)
    api = book_url(books, book="merge-stale") + "/merge-stale-b.vcf"
    dav = books.session("alice", "alice-pw")
    changed = dav.put(api, json={"title": "Director"},
                      headers={"If-Match": dav.get(api).headers["ETag"]})
    assert changed.status_code == 200, changed.text
    answer = alice_web.post(url + "/merge", data=form, allow_redirects=False)
    assert answer.status_code == 409
    assert "changed on another device" in answer.text
    assert "Director" in answer.text  # the current cards are shown again
    assert _exists(books, "merge-stale", "merge-stale-a")
    assert _exists(books, "merge-stale", "merge-stale-b")


def test_a_markup_name_is_escaped_on_the_list_and_the_comparison(
        books: ServerProcess, alice_web: requests.Session) -> None:
    listed = alice_web.get(f"{books.url}/app/duplicates/alice/dupes-markup").text
    compared = alice_web.get(_compare_url(alice_web, books, "dupes-markup")).text
    for page in (listed, compared):
        assert XSS not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_read_only_sharee_gets_no_review_and_a_forged_merge_is_refused(
        books: ServerProcess, bob_web: requests.Session) -> None:
    offered = bob_web.get(f"{books.url}/app/duplicates")
    # only the read-only book is asked about: test_web_sharing may have granted bob write
    # on one of its own books of the shared package server before this test runs
    assert offered.status_code == 200 and "/app/duplicates/alice/shared" not in offered.text
    review = bob_web.get(f"{books.url}/app/duplicates/alice/shared")
    assert review.status_code == 403 and "/merge" not in review.text
    forged = bob_web.post(f"{books.url}/app/duplicates/alice/shared/0123456789/merge",
                          data={"csrf": csrf_of(offered.text), "etags": "x.vcf \"1\""},
                          allow_redirects=False)
    assert forged.status_code == 403


def test_a_book_bob_may_not_read_is_not_found(
        books: ServerProcess, bob_web: requests.Session) -> None:
    assert bob_web.get(f"{books.url}/app/duplicates/alice/dupes").status_code == 404


def test_every_label_of_these_pages_is_in_the_polish_and_chinese_catalogues() -> None:
    assert untranslated("duplicates.html", "duplicate_groups.html", "duplicate.html") == {}


@pytest.fixture(scope="module")
def browser_page(browser: Browser, books: ServerProcess) -> Iterator[Page]:
    """alice in Debian's Chromium at a phone's width, signed in through the form."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-GB")
    opened = context.new_page()
    sign_in_form(opened, books, "alice", "alice-pw")
    yield opened
    context.close()


def test_in_a_browser_a_pair_is_reviewed_side_by_side_and_merged(
        books: ServerProcess, browser_page: Page) -> None:
    _pair(books, "merge-browser")
    page = browser_page
    page.goto(f"{books.url}/app/duplicates")
    page.click("a[href='/app/duplicates/alice/merge-browser']")
    page.click(".groups a")
    expect(page.locator(".compare .card")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-duplicates-375.png"), full_page=True)
    page.click("form.merge button[type=submit]")
    expect(page.locator("h1")).to_have_text("Jan Kowalski")
    left = [_exists(books, "merge-browser", f"merge-browser-{x}") for x in "ab"]
    assert sorted(left) == [False, True]
    expect(page.locator("dd", has_text="+48 600 333 444")).to_be_visible()


def test_a_sign_in_with_a_read_scoped_app_password_may_not_review_or_merge(
        books: ServerProcess) -> None:
    scoped = sign_in(books, "alice", token_of(books, "read", "web-duplicates-read"))
    assert scoped.get(f"{books.url}/app/duplicates/alice/dupes").status_code == 403
    offered = scoped.get(f"{books.url}/app/duplicates")
    # only the read-only book is asked about: test_web_sharing may have granted bob write
    # on one of its own books of the shared package server before this test runs
    assert offered.status_code == 200 and "/app/duplicates/alice/shared" not in offered.text
