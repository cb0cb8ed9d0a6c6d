"""Issue 16 item 4: CSRF protection on every state-changing request. Every POST route
of the web app, found from the app itself (a new form cannot be forgotten here), is
refused with 403 when a signed-in browser sends it without the form's token, and the
pages carry no asset from another origin and no inline script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from fastapi.routing import APIRoute

from cms_dav.app import build_app
from cms_dav.config import load_settings
from cms_dav.web.factory import build_web
from tests.support.server import ServerProcess

#: a value for each path parameter of the routes (alice's 张伟 and her book)
PARAMETERS = {"owner": "alice", "book": "contacts", "href": "zhang-wei.vcf",
              "note_id": "no-such-note", "entry_id": "no-such-entry", "group_id": "0",
              "name": "contacts", "collection": "contacts"}


def _routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, through the routers the app includes (no prefixes are used)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def post_paths(tmp_path: Path) -> list[str]:
    with build_app(load_settings(tmp_path)) as app:
        web = build_web(app.web_services())
    paths = [route.path for route in _routes(web.routes)
             if isinstance(route, APIRoute) and "POST" in route.methods]
    return [re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: PARAMETERS[m.group(1)], path)
            for path in paths]


def test_every_post_route_of_the_web_app_refuses_a_request_without_the_token(
        tmp_path: Path, web_server: ServerProcess, alice_web: requests.Session) -> None:
    paths = post_paths(tmp_path)
    assert len(paths) >= 14
    refused = {}
    for path in paths:
        answer = alice_web.post(f"{web_server.url}{path}", allow_redirects=False,
                                data={"lang": "pl", "kind": "note", "text": "forged",
                                      "formatted": "Forged", "to": "user:bob",
                                      "access": "read"})
        refused[path] = answer.status_code
    assert {path: status for path, status in refused.items() if status != 403} == {}
    card = requests.get(f"{web_server.url}/alice/contacts/zhang-wei.vcf",
                        auth=("alice", "alice-pw"))
    assert card.status_code == 200 and "forged" not in card.text.lower()


@pytest.mark.parametrize("path", ["/app/signin", "/", "/app/contacts", "/app/contacts/new",
                                  "/app/contacts/alice/contacts/zhang-wei.vcf",
                                  "/app/contacts/alice/contacts/zhang-wei.vcf/edit",
                                  "/app/reports", "/app/transfer", "/app/duplicates",
                                  "/app/sharing", "/app/segments", "/app/trash"])
def test_pages_load_nothing_from_another_origin_and_run_no_inline_script(
        web_server: ServerProcess, alice_web: requests.Session, path: str) -> None:
    answer = alice_web.get(f"{web_server.url}{path}")
    assert answer.status_code == 200
    html = answer.text
    assert re.findall(r'(?:src|href|action)="(?:https?:)?//[^"]*"', html) == []
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert all('src="/app/static/' in attributes and not body.strip()
               for attributes, body in scripts)
    assert answer.headers["X-Frame-Options"] == "DENY"
