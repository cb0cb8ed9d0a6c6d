"""Helpers of the web app tests: alice's seeded books, and signing in through the form
like a browser does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import requests
from babel.messages.pofile import read_po
from playwright.sync_api import Page

from tests.api.support import book_url
from tests.support.dav import make_addressbook
from tests.support.server import ServerProcess

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def add_cards(server: ServerProcess, book: str, cards: Iterable[dict[str, Any]]) -> None:
    """Create ``cards`` (JSON API contact bodies) in alice's address book ``book``."""
    alice = server.session("alice", "alice-pw")
    for body in cards:
        created = alice.post(book_url(server, book=book), json=body)
        assert created.status_code == 201, created.text


def new_book(server: ServerProcess, book: str, display: str,
             cards: Iterable[dict[str, Any]] = ()) -> None:
    """A new address book ``book`` of alice's named ``display``, holding ``cards``."""
    make_addressbook(server.session("alice", "alice-pw"), f"{server.url}/alice/{book}/",
                     display)
    add_cards(server, book, cards)


def post_sign_in(server: ServerProcess, user: str, password: str
                 ) -> tuple[requests.Session, requests.Response]:
    """A fresh browser-like session that sent the sign-in form (with the CSRF token of
    the form it was given), and the answer (not followed)."""
    session = requests.Session()
    form = session.get(f"{server.url}/app/signin")
    answer = session.post(f"{server.url}/app/signin", allow_redirects=False,
                          data={"csrf": csrf_of(form.text), "user": user,
                                "password": password})
    return session, answer


def sign_in(server: ServerProcess, user: str, password: str) -> requests.Session:
    """A browser-like session signed in to the web app (no HTTP Basic)."""
    session, answer = post_sign_in(server, user, password)
    assert answer.status_code == 303, answer.text
    return session


def sign_in_form(page: Page, server: ServerProcess, user: str, password: str) -> None:
    """Sign ``user`` in through the form on ``page`` (already showing it, or not), as a
    person would; sign-in lands on the dashboard."""
    if "/app/signin" not in page.url:
        page.goto(f"{server.url}/app/signin")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", password)
    page.click("form.signin button[type=submit]")
    page.wait_for_url(f"{server.url}/")


TEMPLATES = Path(__file__).resolve().parents[2] / "cms_dav" / "web" / "templates"
LOCALES = TEMPLATES.parent / "locales"
MESSAGE = re.compile(r'_\("([^"]+)"\)')


def untranslated(*templates: str) -> dict[str, list[str]]:
    """The messages of ``templates`` each catalogue (pl, zh_CN) leaves untranslated."""
    wanted = {m for name in templates
              for m in MESSAGE.findall((TEMPLATES / name).read_text(encoding="utf-8"))}
    missing: dict[str, list[str]] = {}
    for language in ("pl", "zh_CN"):
        with (LOCALES / language / "messages.po").open("rb") as source:
            catalog = read_po(source)
        missing[language] = sorted(m for m in wanted
                                   if m not in catalog or not catalog[m].string)
    return {language: found for language, found in missing.items() if found}
