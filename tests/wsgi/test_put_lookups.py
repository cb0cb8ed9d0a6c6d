"""What a CardDAV PUT looks up outside its write (issue 19): the layers that ask about the
same path and collection share one read through the request's memo, the checks Radicale
makes under the book's write lock (If-Match, If-None-Match, the UID) still see what
another writer stored just before, and a generated or segment book stays read-only."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import Connection, event

from cms_dav.app import App, build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.store import locks, lookups
from cms_dav.store.records import ItemData
from cms_dav.store.segment_table import SegmentRecord
from cms_dav.store.store import Store
from tests.contacts.index_support import card_data as index_card_data
from tests.contacts.test_put_prepared_before_lock import under_lock_watch
from tests.support.dav import vcard, vevent
from tests.wsgi.wsgi_call import Answer, WSGIApp, call

VCARD = {"Content-Type": "text/vcard"}
BOOK = "/alice/contacts/"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    (tmp_path / "fields.toml").write_text('[fields.spend]\ntype = "number"\n',
                                          encoding="utf-8")
    settings = load_settings(data_dir=tmp_path)
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    built = build_app(settings)
    yield built
    built.close()


@pytest.fixture
def wsgi(app: App) -> WSGIApp:
    served = app.wsgi()
    assert call(served, "PROPFIND", BOOK, headers={"Depth": "0"}).code == 207  # the home
    return served


@pytest.fixture
def transactions(app: App) -> list[str]:
    """"read" or "write" for each transaction begun on the App's engine."""
    begun: list[str] = []

    def begin(conn: Connection) -> None:
        begun.append("write" if conn.get_execution_options().get("cms_write") else "read")
    event.listen(app.engine, "begin", begin)
    return begun


def put(wsgi: WSGIApp, href: str, text: str, **headers: str) -> Answer:
    return call(wsgi, "PUT", BOOK + href, text.encode(), headers={**VCARD, **headers})


def card_data(uid: str, fn: str) -> ItemData:
    return index_card_data(vcard(uid, fn), uid)


@contextlib.contextmanager
def written_before_the_lock(monkeypatch: pytest.MonkeyPatch, book: str,
                            write: Callable[[], Any]) -> Iterator[None]:
    """Another writer's ``write`` lands just before the next write lock on ``book`` is
    taken: after the request's lookups before its lock, before its checks under it."""
    pending = [write]
    original = locks.collection_locks

    @contextlib.contextmanager
    def interleaved(engine: Any, names: Any) -> Iterator[None]:
        names = list(names)
        if pending and book in names:
            pending.pop()()
        with original(engine, names):
            yield
    monkeypatch.setattr(locks, "collection_locks", interleaved)
    yield
    assert not pending, "no write lock was taken on the book"


def test_a_new_card_put_runs_at_most_three_read_transactions_and_one_write(
        wsgi: WSGIApp, transactions: list[str]) -> None:
    assert put(wsgi, "first.vcf", vcard("first", "Ann First")).code == 201
    transactions.clear()
    assert put(wsgi, "new.vcf", vcard("new", "Ben New"), If_None_Match="*").code == 201
    assert transactions.count("write") == 1
    assert transactions.count("read") <= 3


def test_a_changed_card_put_runs_at_most_three_read_transactions_and_one_write(
        wsgi: WSGIApp, transactions: list[str]) -> None:
    etag = put(wsgi, "card.vcf", vcard("card", "Cleo Card")).header("ETag")
    assert etag
    transactions.clear()
    answer = put(wsgi, "card.vcf", vcard("card", "Cleo Changed"), If_Match=etag)
    assert answer.code == 204
    assert transactions.count("write") == 1
    assert transactions.count("read") <= 3


def test_the_uid_of_a_new_card_is_checked_under_the_books_write_lock(
        wsgi: WSGIApp, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = under_lock_watch(monkeypatch, lookups, "has_uid")
    assert put(wsgi, "new.vcf", vcard("new", "Ben New")).code == 201
    assert checks == [True]


def test_a_card_whose_uid_another_writer_stored_just_before_the_lock_is_a_conflict(
        app: App, wsgi: WSGIApp, monkeypatch: pytest.MonkeyPatch) -> None:
    with written_before_the_lock(monkeypatch, "alice/contacts", lambda: app.store.put_item(
            "alice/contacts", "other.vcf", card_data("same", "Other Writer"), "alice")):
        answer = put(wsgi, "mine.vcf", vcard("same", "Me Writer"))
    assert answer.code == 409
    assert b"no-uid-conflict" in answer.body
    assert call(wsgi, "GET", BOOK + "mine.vcf").code == 404


def test_a_card_another_writer_changed_just_before_the_lock_fails_if_match(
        app: App, wsgi: WSGIApp, monkeypatch: pytest.MonkeyPatch) -> None:
    etag = put(wsgi, "card.vcf", vcard("card", "Cleo Card")).header("ETag")
    assert etag
    with written_before_the_lock(monkeypatch, "alice/contacts", lambda: app.store.put_item(
            "alice/contacts", "card.vcf", card_data("card", "Cleo Other"), "alice")):
        answer = put(wsgi, "card.vcf", vcard("card", "Cleo Mine"), If_Match=etag)
    assert answer.code == 412
    assert b"Cleo Other" in call(wsgi, "GET", BOOK + "card.vcf").body


def test_a_card_another_writer_made_just_before_the_lock_fails_if_none_match(
        app: App, wsgi: WSGIApp, monkeypatch: pytest.MonkeyPatch) -> None:
    with written_before_the_lock(monkeypatch, "alice/contacts", lambda: app.store.put_item(
            "alice/contacts", "card.vcf", card_data("card", "Cleo Other"), "alice")):
        answer = put(wsgi, "card.vcf", vcard("card", "Cleo Mine"), If_None_Match="*")
    assert answer.code == 412
    assert b"Cleo Other" in call(wsgi, "GET", BOOK + "card.vcf").body


def with_segment(app: App) -> None:
    app.segments.define(SegmentRecord("vip", "user:alice", ("alice/contacts",),
                                      {"where": ["spend>=50000"]}), "admin")


def test_a_put_into_an_ordinary_book_looks_up_no_segment(
        app: App, wsgi: WSGIApp, monkeypatch: pytest.MonkeyPatch) -> None:
    with_segment(app)
    looked_up: list[str] = []
    original = Store.segment
    monkeypatch.setattr(Store, "segment", lambda self, name: (
        looked_up.append(name), original(self, name))[1])
    assert put(wsgi, "ann.vcf", vcard("ann", "Ann First")).code == 201
    assert looked_up == []


def test_a_put_into_a_segment_book_the_request_itself_makes_is_refused(
        app: App, wsgi: WSGIApp) -> None:
    with_segment(app)
    assert app.store.collection("alice/vip") is None  # made on its first request
    answer = call(wsgi, "PUT", "/alice/vip/x.vcf", vcard("x", "Ann X").encode(),
                  headers=VCARD)
    assert answer.code == 403
    assert b"smart address book" in answer.body
    made = app.store.collection("alice/vip")
    assert made is not None
    assert app.store.item(made.id, "x.vcf") is None


def test_a_new_event_put_into_a_calendar_runs_at_most_four_read_transactions(
        wsgi: WSGIApp, transactions: list[str]) -> None:
    """Three as a card's, and scheduling's read of what was stored (for its delivery)."""
    event_headers = {"Content-Type": "text/calendar"}
    assert call(wsgi, "PUT", "/alice/calendar/first.ics", vevent("first", "x").encode(),
                headers=event_headers).code == 201
    transactions.clear()
    assert call(wsgi, "PUT", "/alice/calendar/new.ics", vevent("new", "y").encode(),
                headers=event_headers).code == 201
    assert transactions.count("write") == 1
    assert transactions.count("read") <= 4
