"""A PUT's pure work (upload filter plan, index analysis) runs before the book's write
lock, and the write under the lock reuses it only when its inputs are still the same
(issue 19: the lock covers the checks and the statements, so concurrent writers of one
book overlap their analyses with each other's commits)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

import pytest
from radicale import item as radicale_item

from cms_dav.app import build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.contacts import index_store
from cms_dav.contacts.interactions import add_interaction, parse_interactions
from cms_dav.contacts.prepared import PreparedWork
from cms_dav.contacts.timeline_note import TimelineOptions
from cms_dav.contacts.upload_filter import ContactUploadFilter
from cms_dav.store import locks
from tests.contacts.cards import card
from tests.contacts.test_interactions import make
from tests.contacts.test_upload_filter import BOOK, stored, upload
from tests.support.dav import vcard
from tests.wsgi.wsgi_call import WSGIApp, call

VCARD = {"Content-Type": "text/vcard"}


@pytest.fixture
def app(tmp_path: Path) -> WSGIApp:
    settings = load_settings(data_dir=tmp_path)
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    built = build_app(settings)
    wsgi = built.wsgi()
    assert call(wsgi, "PROPFIND", "/alice/contacts/", headers={"Depth": "0"}).code == 207
    return wsgi


def under_lock_watch(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[bool]:
    """For each call of ``owner.name``: was a collection write lock held?"""
    held = [0]
    seen: list[bool] = []
    original_locks = locks.collection_locks
    original = getattr(owner, name)

    @contextlib.contextmanager
    def counted(engine: Any, names: Any) -> Iterator[None]:
        with original_locks(engine, names):
            held[0] += 1
            try:
                yield
            finally:
                held[0] -= 1

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(held[0] > 0)
        return original(*args, **kwargs)

    monkeypatch.setattr(locks, "collection_locks", counted)
    monkeypatch.setattr(owner, name, watched)
    return seen


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each index analysis of a card: was a collection write lock held?"""
    return under_lock_watch(monkeypatch, index_store, "analyse")


@pytest.fixture
def item_preparations(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each of Radicale's ``Item.prepare`` (its checks and serialization): was a
    collection write lock held?"""
    return under_lock_watch(monkeypatch, radicale_item.Item, "prepare")


def test_radicale_prepares_a_new_card_once_and_before_the_books_write_lock(
        app, item_preparations):
    answer = call(app, "PUT", "/alice/contacts/ann.vcf", vcard("ann", "Ann Lee").encode(),
                  VCARD)
    assert answer.code == 201
    assert item_preparations == [False]


def test_a_new_card_is_analysed_once_and_before_the_books_write_lock(app, analyses):
    answer = call(app, "PUT", "/alice/contacts/ann.vcf", vcard("ann", "Ann Lee").encode(),
                  VCARD)
    assert answer.code == 201
    assert analyses == [False]


def test_a_changed_card_is_analysed_once_and_before_the_books_write_lock(app, analyses):
    first = call(app, "PUT", "/alice/contacts/ann.vcf", vcard("ann", "Ann Lee").encode(),
                 VCARD)
    analyses.clear()
    answer = call(app, "PUT", "/alice/contacts/ann.vcf", vcard("ann", "Ann Leigh").encode(),
                  {**VCARD, "If-Match": first.header("ETag") or ""})
    assert answer.code == 204
    assert analyses == [False]


def test_a_refused_precondition_leaves_the_card_as_it_was(app, analyses):
    call(app, "PUT", "/alice/contacts/ann.vcf", vcard("ann", "Ann Lee").encode(), VCARD)
    answer = call(app, "PUT", "/alice/contacts/ann.vcf", vcard("ann", "Ann Leigh").encode(),
                  {**VCARD, "If-Match": '"not-the-etag"'})
    assert answer.code == 412
    assert b"Ann Lee" in call(app, "GET", "/alice/contacts/ann.vcf").body


def test_a_plan_made_against_another_stored_card_is_not_used():
    """Another writer changed the card between the plan and the lock: the write reviews
    the upload against the card it finds under the lock."""
    kept = add_interaction(card(), make())
    filter_ = ContactUploadFilter(TimelineOptions(entries=0))
    data = upload(card("NOTE:edited"))
    filter_.prepare(BOOK, None, data, actor="alice", attested=False)
    written = filter_(None, BOOK, stored(kept), data, actor="alice", attested=False)
    assert parse_interactions(written.text) == [make()]


def test_a_plan_is_taken_once():
    filter_ = ContactUploadFilter(TimelineOptions(entries=0))
    data = upload(card())
    filter_.prepare(BOOK, None, data, actor="alice", attested=False)
    filter_(None, BOOK, None, data, actor="alice", attested=False)
    assert len(filter_.prepared) == 0


def test_prepared_work_keeps_only_its_newest_results():
    work: PreparedWork[int] = PreparedWork(limit=2)
    for number in range(3):
        work.put(number, number)
    assert (work.take(0), work.take(1), work.take(2)) == (None, 1, 2)


def test_prepared_work_forgets_its_oldest_results_past_its_weight():
    """Refused uploads leave their results behind: big cards must not pin memory."""
    work: PreparedWork[str] = PreparedWork(limit=10, max_weight=100)
    for number in range(3):
        work.put(number, "x", weight=40)
    assert len(work) == 2
    assert (work.take(0), work.take(1), work.take(2)) == (None, "x", "x")


def test_a_result_heavier_than_the_whole_budget_is_not_kept():
    work: PreparedWork[str] = PreparedWork(limit=10, max_weight=100)
    work.put("big", "x", weight=101)
    assert work.take("big") is None


def test_a_result_taken_gives_its_weight_back():
    work: PreparedWork[str] = PreparedWork(limit=10, max_weight=100)
    work.put(0, "x", weight=60)
    assert work.take(0) == "x"
    work.put(1, "y", weight=60)
    assert work.take(1) == "y"


def test_a_whole_book_put_to_a_path_without_a_slash_still_makes_a_book(app):
    """Radicale leaves the kind of write to its lock; the item prepared ahead for an
    item path must not turn a whole-collection upload into one card."""
    body = (vcard("ann", "Ann Lee") + vcard("bo", "Bo Li")).encode()
    assert call(app, "PUT", "/alice/friends", body, VCARD).code == 201
    listing = call(app, "PROPFIND", "/alice/friends/", headers={"Depth": "1"})
    assert listing.body.count(b".vcf</href>") == 2


def test_an_event_put_into_an_address_book_is_still_refused(app):
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
             "UID:e1\r\nDTSTART:20250101T100000Z\r\nDTEND:20250101T110000Z\r\n"
             "SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    answer = call(app, "PUT", "/alice/contacts/e1.ics", event.encode(),
                  {"Content-Type": "text/calendar"})
    assert answer.code == 400
