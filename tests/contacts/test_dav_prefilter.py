"""The addressbook-query prefilter never drops a card it cannot vouch for."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sqlalchemy import update

from cms_dav.contacts.dav_prefilter import candidate_hrefs
from cms_dav.store.schema import contact_cards
from tests.contacts.index_support import book, card_data, open_test_store, vcard

FILTER = ('<C:filter xmlns:C="urn:ietf:params:xml:ns:carddav"><C:prop-filter name="FN">'
          '<C:text-match match-type="starts-with">anna</C:text-match></C:prop-filter></C:filter>')


def candidates(store):
    with store.reading() as conn:
        return candidate_hrefs(conn, store.collection("alice/book").id, [ET.fromstring(FILTER)])


def filled_store(tmp_path):
    store = open_test_store(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    book(store, "alice/book")
    for uid, fn in (("a", "Anna Nowak"), ("z", "Zofia Kowalska")):
        store.put_item("alice/book", f"{uid}.vcf", card_data(vcard(uid, fn), uid), "alice")
    return store


def test_only_matching_cards_are_candidates(tmp_path):
    assert candidates(filled_store(tmp_path)) == ["a.vcf"]


def test_card_indexed_at_another_version_is_always_a_candidate(tmp_path):
    store = filled_store(tmp_path)
    with store.writing() as conn:  # as if written by a process without the hook
        conn.execute(update(contact_cards).where(contact_cards.c.href == "z.vcf")
                     .values(etag='"old"'))
    assert candidates(store) == ["a.vcf", "z.vcf"]


def test_card_vobject_cannot_read_is_always_a_candidate(tmp_path):
    store = filled_store(tmp_path)
    with store.writing() as conn:
        conn.execute(update(contact_cards).where(contact_cards.c.href == "z.vcf")
                     .values(values_ok=False))
    assert candidates(store) == ["a.vcf", "z.vcf"]


def test_property_the_index_does_not_keep_falls_back_to_a_scan(tmp_path):
    other = FILTER.replace('name="FN"', 'name="X-CUSTOM"')
    store = filled_store(tmp_path)
    with store.reading() as conn:
        book = store.collection("alice/book")
        assert book is not None
        assert candidate_hrefs(conn, book.id, [ET.fromstring(other)]) is None
