"""Under a PUT's write lock the lookup made before the lock is confirmed by the book's
row (issue 19: the full lookup was a quarter of the CPU under the lock): the answers
(status, headers, body) and the stored rows are those of the full lookup, and any
change of the book between the two lookups (another writer's card, its properties)
falls back to the full lookup."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from cms_dav.app import App, build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.store import lookups as store_lookups
from cms_dav_plugins.storage import Storage
from tests.contacts.test_put_prepared_before_lock import under_lock_watch
from tests.support.dav import vcard
from tests.wsgi.test_put_lookups import card_data, written_before_the_lock
from tests.wsgi.wsgi_call import Answer, WSGIApp, call

VCARD = {"Content-Type": "text/vcard"}
BOOK = "/alice/contacts/"


def _app(folder: Path) -> App:
    folder.mkdir()
    settings = load_settings(data_dir=folder)
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    return build_app(settings)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    built = _app(tmp_path / "one")
    yield built
    built.close()


def _served(app: App) -> WSGIApp:
    served = app.wsgi()
    assert call(served, "PROPFIND", BOOK, headers={"Depth": "0"}).code == 207  # the home
    return served


def put(wsgi: WSGIApp, href: str, text: str, **headers: str) -> Answer:
    return call(wsgi, "PUT", BOOK + href, text.encode(), headers={**VCARD, **headers})


def full_lookups_under_the_lock(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each full lookup of a path (``Store.resolve``'s query): was a collection
    write lock held?"""
    return under_lock_watch(monkeypatch, store_lookups, "collections_at")


def _scenario(wsgi: WSGIApp) -> list[tuple[int, tuple[tuple[str, str], ...], bytes]]:
    """Every kind of single-card PUT Radicale decides under its lock, one after another:
    new, changed with and without If-Match, refused by If-Match, If-None-Match and the
    UID."""
    answers = [put(wsgi, "a.vcf", vcard("a", "Ann First"))]
    etag = answers[0].header("ETag") or ""
    answers += [
        put(wsgi, "a.vcf", vcard("a", "Ann Changed"), If_Match=etag),
        put(wsgi, "a.vcf", vcard("a", "Ann Again"), If_None_Match="*"),
        put(wsgi, "a.vcf", vcard("a", "Ann Again"), If_Match='"stale"'),
        put(wsgi, "a.vcf", vcard("a", "Ann Again"), If_Match="*"),
        put(wsgi, "b.vcf", vcard("a", "Ann Twin")),
        put(wsgi, "c.vcf", vcard("c", "Cleo New"), If_Match=etag),
        put(wsgi, "c.vcf", vcard("c", "Cleo New"), If_None_Match="*"),
        put(wsgi, "a.vcf", vcard("a", "Ann Third")),
        put(wsgi, "a.vcf", vcard("b", "Ann Other Uid")),
    ]
    return [(answer.code, tuple(h for h in answer.headers if h[0] != "X-Request-ID"),
             answer.body) for answer in answers]


def _stored(app: App) -> list[tuple[str, str, str, str | None]]:
    book = app.store.collection("alice/contacts")
    assert book is not None
    return sorted((r.href, r.uid, r.etag, r.text) for r in app.store.all_items(book.id))


def test_a_put_confirmed_by_the_books_row_answers_and_stores_as_the_full_lookup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    confirmed_app = _app(tmp_path / "confirmed")
    full_app = _app(tmp_path / "full")
    try:
        served = _served(confirmed_app)
        with monkeypatch.context() as patched:
            lookups = full_lookups_under_the_lock(patched)
            confirmed = _scenario(served)
        assert lookups and True not in lookups  # every PUT's lock took the short way
        served = _served(full_app)
        with monkeypatch.context() as patched:
            patched.setattr(Storage, "_confirm", lambda self, looked_up, context: None)
            lookups = full_lookups_under_the_lock(patched)
            full = _scenario(served)
        assert lookups.count(True) == len(full)  # here the full lookup ran under each lock
        assert [code for code, _, _ in confirmed] == [201, 204, 412, 412, 204, 409, 412,
                                                      201, 204, 409]
        assert confirmed == full
        assert _stored(confirmed_app) == _stored(full_app)
    finally:
        confirmed_app.close()
        full_app.close()


def test_a_card_another_writer_stored_in_the_book_before_the_lock_means_a_full_lookup(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    wsgi = _served(app)
    lookups = full_lookups_under_the_lock(monkeypatch)
    with written_before_the_lock(monkeypatch, "alice/contacts", lambda: app.store.put_item(
            "alice/contacts", "other.vcf", card_data("other", "Other Writer"), "alice")):
        answer = put(wsgi, "mine.vcf", vcard("mine", "Me Writer"))
    assert answer.code == 201
    assert True in lookups
    assert b"Me Writer" in call(wsgi, "GET", BOOK + "mine.vcf").body


def test_a_book_whose_properties_changed_before_the_lock_means_a_full_lookup(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    wsgi = _served(app)
    etag = put(wsgi, "card.vcf", vcard("card", "Cleo Card")).header("ETag")
    assert etag
    lookups = full_lookups_under_the_lock(monkeypatch)

    def rename() -> Any:
        props = app.store.collection("alice/contacts")
        assert props is not None
        app.store.set_props("alice/contacts", {**props.props, "D:displayname": "Renamed"},
                            "alice")
    with written_before_the_lock(monkeypatch, "alice/contacts", rename):
        answer = put(wsgi, "card.vcf", vcard("card", "Cleo Changed"), If_Match=etag)
    assert answer.code == 204
    assert True in lookups
    assert b"Cleo Changed" in call(wsgi, "GET", BOOK + "card.vcf").body


def test_a_card_changed_by_another_writer_before_the_lock_fails_if_match_after_a_confirmed_put(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lookup confirmed for one PUT is not kept for the next one."""
    wsgi = _served(app)
    etag = put(wsgi, "card.vcf", vcard("card", "Cleo Card")).header("ETag")
    assert etag
    assert put(wsgi, "other.vcf", vcard("other", "Otto Other")).code == 201
    with written_before_the_lock(monkeypatch, "alice/contacts", lambda: app.store.put_item(
            "alice/contacts", "card.vcf", card_data("card", "Cleo Other"), "alice")):
        answer = put(wsgi, "card.vcf", vcard("card", "Cleo Mine"), If_Match=etag)
    assert answer.code == 412
    assert b"Cleo Other" in call(wsgi, "GET", BOOK + "card.vcf").body
