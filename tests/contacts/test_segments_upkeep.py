"""Segment membership is kept inside each card write (issue 14 item 3): the copy changes
in the write's own transaction, before any read of the segment, and a later read of
the segment does not rebuild it (O(changes), not a refresh of the whole book)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from cms_dav.store.segment_table import SegmentRecord
from tests.contacts.index_support import book, card_data, vcard

FIELDS = '[fields.spend]\ntype = "number"\n'


def spending(uid: str, spend: int) -> str:
    return vcard(uid, f"Customer {uid}", f"X-CMS-FIELD:spend;{spend}")


def put(app: App, path: str, uid: str, text: str) -> None:
    app.store.put_item(path, f"{uid}.vcf", card_data(text, uid), "alice")


def app_over(folder: Path, database_url: str | None = None) -> App:
    """alice's home with two books, a segment ``vip`` (spend>=50000) built once."""
    folder.mkdir(exist_ok=True)
    (folder / "fields.toml").write_text(FIELDS, encoding="utf-8")
    settings = load_settings(folder)
    if database_url is not None:
        settings = replace(settings, database_url=database_url)
    built = build_app(settings)
    built.store.replace_collection("alice", {}, [], "admin")
    book(built.store, "alice/contacts")
    book(built.store, "alice/other")
    put(built, "alice/contacts", "a1", spending("a1", 60000))
    put(built, "alice/contacts", "a2", spending("a2", 10))
    built.segments.define(SegmentRecord("vip", "user:alice", ("alice/contacts",),
                                        {"where": ["spend>=50000"]}), "admin")
    built.segments.bring_home_up_to_date("alice")
    return built


@pytest.fixture
def app(tmp_path: Path) -> App:
    return app_over(tmp_path / "var")


def copies(app: App) -> dict[str, str]:
    record = app.store.collection("alice/vip")
    assert record is not None
    return {item.href: item.etag for item in app.store.all_items(record.id, with_text=False)}


def test_a_matching_write_puts_its_copy_in_the_same_transaction(app):
    put(app, "alice/contacts", "a3", spending("a3", 70000))
    assert set(copies(app)) == {"a1.vcf", "a3.vcf"}


def test_a_write_that_stops_matching_removes_the_copy_in_the_same_transaction(app):
    put(app, "alice/contacts", "a1", spending("a1", 5))
    assert copies(app) == {}


def test_a_deleted_source_card_loses_its_copy(app):
    app.store.delete_item("alice/contacts", "a1.vcf", "alice")
    assert copies(app) == {}


def test_a_card_moved_out_of_the_sources_loses_its_copy(app):
    app.store.move_item("alice/contacts", "a1.vcf", "alice/other", "a1.vcf", "alice")
    assert copies(app) == {}


def test_a_write_leaves_the_other_copies_untouched(app):
    put(app, "alice/contacts", "a4", spending("a4", 90000))
    before = copies(app)
    put(app, "alice/contacts", "a3", spending("a3", 70000))
    after = copies(app)
    assert {href: after[href] for href in before} == before


def test_a_read_after_card_writes_does_not_rebuild_the_segment(app, monkeypatch):
    put(app, "alice/contacts", "a3", spending("a3", 70000))
    put(app, "alice/contacts", "a1", spending("a1", 5))
    rebuilt: list[str] = []
    monkeypatch.setattr(app.store, "regenerate", lambda path, *_a: rebuilt.append(path))
    app.segments.bring_up_to_date("alice", app.store.segments()[0])
    assert rebuilt == []
    assert set(copies(app)) == {"a3.vcf"}


def test_a_changed_definition_makes_the_next_read_rebuild(app):
    app.segments.define(SegmentRecord("vip", "user:alice", ("alice/contacts",),
                                      {"where": ["spend<50000"]}), "admin")
    app.segments.bring_home_up_to_date("alice")
    assert set(copies(app)) == {"a2.vcf"}


def test_a_write_into_a_book_outside_the_sources_changes_no_segment(app):
    put(app, "alice/other", "o1", spending("o1", 99999))
    assert set(copies(app)) == {"a1.vcf"}


def test_reindex_makes_the_next_read_rebuild_the_segment(app):
    assert app.segments.rebuild_all_on_next_read() == 1
    assert app.store.derived_fingerprint("alice/vip") is None


def test_a_group_card_change_under_a_category_segment_rebuilds_it_on_the_next_read(app):
    app.segments.define(SegmentRecord("team", "user:alice", ("alice/contacts",),
                                      {"category": "Key accounts"}), "admin")
    app.segments.bring_home_up_to_date("alice")
    group = vcard("g1", "Key accounts", "X-ADDRESSBOOKSERVER-KIND:group",
                  "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a2")
    put(app, "alice/contacts", "g1", group)
    assert app.store.derived_fingerprint("alice/team") is None
    app.segments.bring_home_up_to_date("alice")
    team = app.store.collection("alice/team")
    assert team is not None
    assert {i.href for i in app.store.all_items(team.id, with_text=False)} == {"a2.vcf"}


def test_the_upkeep_works_the_same_on_both_backends(tmp_path, database_url):
    with app_over(tmp_path / "var", database_url) as both:
        put(both, "alice/contacts", "a3", spending("a3", 70000))
        put(both, "alice/contacts", "a1", spending("a1", 5))
        assert set(copies(both)) == {"a3.vcf"}
