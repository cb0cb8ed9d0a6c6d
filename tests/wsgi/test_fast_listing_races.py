"""An initial sync whose names and items disagree (an item deleted or added between the
store's sync query and the reads) still lists every name once and nothing else. The
items come in storage order, the names not found after them (RFC 6578 §3.5 asks no
order), so the listings are compared sorted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from radicale.app import Application

from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.app import build_app
from cms_dav.store.store import Store
from cms_dav.wsgi.fast_listing import FastListingMiddleware
from tests.support.dav import vcard
from tests.wsgi.wsgi_call import WSGIApp, call

SYNC = (b'<?xml version="1.0" encoding="utf-8"?><sync-collection xmlns="DAV:"><sync-token/>'
        b'<sync-level>1</sync-level><prop><getetag/></prop></sync-collection>')
NAMES = [f"card-{number:02d}.vcf" for number in range(12)]


class NamesFromAnotherMoment:
    """The store, but its sync names are ``names`` (what it said a moment earlier)."""

    def __init__(self, store: Store, names: list[str]) -> None:
        self._store = store
        self.names = names

    def sync(self, path: str, old_token: str) -> tuple[str, list[str]]:
        token, _ = self._store.sync(path, old_token)
        return token, list(self.names)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def stack(tmp_path: Path) -> tuple[WSGIApp, NamesFromAnotherMoment]:
    settings = load_settings(data_dir=tmp_path)
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    built = build_app(settings)
    store = NamesFromAnotherMoment(built.store, [])
    app = FastListingMiddleware(Application(built.radicale_configuration()), settings,
                                store, built.policy)  # type: ignore[arg-type]  # a stand-in
    for name in NAMES:
        answer = call(app, "PUT", f"/alice/contacts/{name}", vcard(name, name).encode(),
                      {"Content-Type": "text/vcard"})
        assert answer.code == 201, answer
    return app, store


def listed(app: WSGIApp) -> list[tuple[str, str]]:
    """(item name, status) per response of a streamed initial sync, in order."""
    answer = call(app, "REPORT", "/alice/contacts/", SYNC,
                  {"Content-Type": "application/xml; charset=utf-8"})
    assert answer.code == 207 and answer.header("Content-Length") is None  # streamed
    found = re.findall(rb"<response><href>[^<]*/([^/<]*)</href>(.*?)</response>", answer.body)
    return [(name.decode(), "200" if b"200 OK" in rest else "404") for name, rest in found]


def test_a_name_deleted_before_the_scan_gets_its_404(stack):
    app, store = stack
    store.names = NAMES[:5] + ["card-05-gone.vcf"] + NAMES[5:]
    assert sorted(listed(app)) == sorted(
        (name, "404" if name.endswith("gone.vcf") else "200") for name in store.names)


def test_an_item_added_after_the_names_is_not_listed(stack):
    app, store = stack
    store.names = NAMES[:3] + NAMES[4:]  # card-03 came after the names were read
    assert sorted(listed(app)) == [(name, "200") for name in store.names]


def test_names_in_another_order_than_the_stores_are_each_listed_once(stack):
    app, store = stack
    store.names = list(reversed(NAMES))
    assert sorted(listed(app)) == [(name, "200") for name in NAMES]
