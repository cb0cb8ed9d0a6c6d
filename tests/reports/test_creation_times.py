"""A card's creation time for "added per month", on SQLite and PostgreSQL."""

from __future__ import annotations

from cms_dav.app import build_app
from cms_dav.reports.build import Options, build_report
from cms_dav.reports.created import CreationTimes
from tests.contacts.index_support import book, card_data, settings_for, vcard


def test_an_edited_card_keeps_the_time_it_was_created(tmp_path, database_url):
    store = build_app(settings_for(tmp_path, database_url)).store
    book(store, "alice/contacts")
    first = store.put_item("alice/contacts", "a.vcf", card_data(vcard("a", "Anna"), "a"),
                           "alice").new
    second = store.put_item("alice/contacts", "a.vcf",
                            card_data(vcard("a", "Anna Nowak"), "a"), "alice").new
    with store.reading() as conn:
        created = CreationTimes(conn, "alice/contacts").of("a.vcf", second.modified_at)
    assert first.modified_at <= created < second.modified_at


def test_a_reused_href_counts_from_its_new_creation(tmp_path, database_url):
    store = build_app(settings_for(tmp_path, database_url)).store
    book(store, "alice/contacts")
    store.put_item("alice/contacts", "a.vcf", card_data(vcard("a", "Anna"), "a"), "alice")
    store.delete_item("alice/contacts", "a.vcf", "alice")
    again = store.put_item("alice/contacts", "a.vcf", card_data(vcard("a", "Anna"), "a"),
                           "alice").new
    with store.reading() as conn:
        created = CreationTimes(conn, "alice/contacts").of("a.vcf", again.modified_at)
    assert again.modified_at <= created


def test_the_report_reads_the_same_counts_on_either_backend(tmp_path, database_url):
    app = build_app(settings_for(tmp_path, database_url))
    book(app.store, "alice/contacts")
    for uid, extra in (("a", "CATEGORIES:VIP"), ("b", "CATEGORIES:VIP,Klient"), ("c", "")):
        lines = [extra] if extra else []
        app.store.put_item("alice/contacts", f"{uid}.vcf",
                           card_data(vcard(uid, f"Osoba {uid}", *lines), uid), "alice")
    report = build_report(app, Options())
    by_category = next(s for s in report.sections if s.key == "by_category")
    assert dict(by_category.rows) == {"VIP": 2, "Klient": 1, "(none)": 1}
