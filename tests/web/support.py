"""Helpers of the web app tests: signing in through the form like a browser does."""

from __future__ import annotations

import re

import requests

from tests.support.server import ServerProcess

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(server: ServerProcess, user: str, password: str) -> requests.Session:
    """A browser-like session signed in to the web app (no HTTP Basic)."""
    session = requests.Session()
    form = session.get(f"{server.url}/app/signin")
    answer = session.post(f"{server.url}/app/signin", allow_redirects=False,
                          data={"csrf": csrf_of(form.text), "user": user,
                                "password": password})
    assert answer.status_code == 303, answer.text
    return session
