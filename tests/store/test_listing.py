"""Listing rows come page by page, ordered by href, none lost at page edges."""

from __future__ import annotations

from cms_dav.store.records import ItemData
from cms_dav.store.store import Store
from cms_dav.store.listing import all_rows, rows_by_href


def book_with(hrefs: list[str], url: str) -> tuple[Store, int]:
    store = Store.open(url)
    new_items = [(href, ItemData(text=f"BEGIN:VCARD\r\nUID:{href}\r\nEND:VCARD\r\n",
                                 uid=href, etag=f'"{href}"', name="VCARD", component=""))
                 for href in hrefs]
    record, _, _ = store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, new_items,
                                            "tests")
    return store, record.id


def test_all_rows_reads_every_item_in_href_order_across_pages(tmp_path):
    hrefs = [f"{number:02d} ü.vcf" for number in range(7)]
    store, collection_id = book_with(list(reversed(hrefs)), f"sqlite:///{tmp_path / 'db'}")
    rows = list(all_rows(store, collection_id, with_text=False, page=3))
    assert [row.href for row in rows] == hrefs


def test_rows_by_href_leaves_out_hrefs_that_are_not_there(tmp_path):
    store, collection_id = book_with(["a.vcf", "b.vcf"], f"sqlite:///{tmp_path / 'db'}")
    found = rows_by_href(store, collection_id, ["a.vcf", "gone.vcf"], with_text=True)
    assert list(found) == ["a.vcf"] and b"UID:a.vcf" in found["a.vcf"].text
