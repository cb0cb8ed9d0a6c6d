"""Listing rows come page by page in storage order (row id: the whole-collection
listings, PROPFIND Depth 1, initial sync, multiget of all), none lost at page edges and
none of another collection; or by name."""

from __future__ import annotations

from typing import Any

from cms_dav.store.records import ItemData
from cms_dav.store.store import Store
import pytest

from cms_dav.store import listing
from cms_dav.store.listing import rows_by_href


def card(href: str) -> ItemData:
    return ItemData(text=f"BEGIN:VCARD\r\nUID:{href}\r\nEND:VCARD\r\n", uid=href,
                    etag=f'"{href}"', name="VCARD", component="")


def book_with(hrefs: list[str], url: str) -> tuple[Store, int]:
    store = Store.open(url)
    new_items = [(href, ItemData(text=f"BEGIN:VCARD\r\nUID:{href}\r\nEND:VCARD\r\n",
                                 uid=href, etag=f'"{href}"', name="VCARD", component=""))
                 for href in hrefs]
    record, _, _ = store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, new_items,
                                            "tests")
    return store, record.id


def test_rows_by_href_leaves_out_hrefs_that_are_not_there(tmp_path):
    store, collection_id = book_with(["a.vcf", "b.vcf"], f"sqlite:///{tmp_path / 'db'}")
    found = rows_by_href(store, collection_id, ["a.vcf", "gone.vcf"], with_text=True)
    assert list(found) == ["a.vcf"] and b"UID:a.vcf" in found["a.vcf"].text


def interleaved_books(url: str, others_between: int) -> tuple[Store, int, list[str]]:
    """alice/book's cards written one at a time, ``others_between`` cards of
    alice/other after each: the book's row ids are that far apart. Returns the store,
    the book's id and its hrefs in the order written (not href order)."""
    store = Store.open(url)
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    store.replace_collection("alice/other", {"tag": "VADDRESSBOOK"}, [], "tests")
    hrefs = [f"{(number * 7919) % 101:03d}-ü.vcf" for number in range(12)]
    for number, href in enumerate(hrefs):
        store.put_items("alice/book", [(href, card(href))], "tests")
        store.put_items("alice/other", [(f"o{number}-{each}.vcf", card(f"o{number}-{each}"))
                                        for each in range(others_between)], "tests")
    head = listing.collection_head(store, "alice/book")
    assert head is not None
    return store, head.id, hrefs


@pytest.mark.parametrize("others_between", [0, 1, 3])
@pytest.mark.parametrize("page", [1, 5, 12])
def test_rows_by_id_pages_read_the_book_in_the_order_written(tmp_path, others_between,
                                                            page):
    """Runs of row ids read as a range of the table (0 or 1 other card between the
    book's) or by their ids (3 between): the same rows, the book's only, each once."""
    store, book, hrefs = interleaved_books(f"sqlite:///{tmp_path / 'db'}", others_between)
    ids = listing.raw_ids(store, book)
    assert list(ids) == sorted(ids) and len(ids) == len(hrefs)
    rows = [row for start in range(0, len(ids), page)
            for row in listing.raw_by_ids(store, book, ids[start:start + page], "href, etag")]
    assert [row[0] for row in rows] == hrefs
    assert [row[1] for row in rows] == [f'"{href}"' for href in hrefs]


@pytest.mark.parametrize("others_between", [0, 1, 3])
@pytest.mark.parametrize("page", [1, 5, 12])
def test_the_id_runs_read_the_book_in_the_order_written(tmp_path, others_between, page):
    """:func:`listing.raw_id_pages`' runs (windows of the id span for a dense book, 0 or
    1 other card between the book's; the listed ids for a sparse one, 3 between), each
    read by :func:`listing.raw_by_ids`, give the book's rows, in the order written, each
    once."""
    store, book, hrefs = interleaved_books(f"sqlite:///{tmp_path / 'db'}", others_between)
    rows = [row for ids in listing.raw_id_pages(store, book, page)
            for row in listing.raw_by_ids(store, book, ids, "href, etag")]
    assert [row[0] for row in rows] == hrefs


def test_a_dense_book_is_read_in_windows_without_listing_its_ids(tmp_path, monkeypatch):
    """A book whose ids lie together (no other card between) is read in windows of its
    id span: its ids are not listed one by one."""
    store, book, hrefs = interleaved_books(f"sqlite:///{tmp_path / 'db'}", 0)
    monkeypatch.setattr(listing, "raw_ids", lambda *_args: pytest.fail("ids listed"))
    runs = list(listing.raw_id_pages(store, book, 5))
    assert all(isinstance(run, range) for run in runs) and len(runs) == 3


def test_an_empty_book_has_no_id_runs(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'db'}")
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    head = listing.collection_head(store, "alice/book")
    assert head is not None and list(listing.raw_id_pages(store, head.id)) == []


@pytest.mark.parametrize("others_between", [0, 3])
def test_rows_in_storage_order_give_the_book_in_the_order_written(tmp_path, others_between):
    store, book, hrefs = interleaved_books(f"sqlite:///{tmp_path / 'db'}", others_between)
    rows = list(listing.rows_in_storage_order(store, book, page=5))
    assert [row.href for row in rows] == hrefs
    assert [(row.etag, row.name, row.component) for row in rows] == \
        [(f'"{href}"', "VCARD", "") for href in hrefs]


def test_rows_in_storage_order_leave_out_a_row_the_id_listing_did_not_have(tmp_path,
                                                                           monkeypatch):
    """A row the range read of a page meets but the ids did not list (one written after
    the listing) is not given: the listing gives each listed row once, nothing else."""
    store, book, hrefs = interleaved_books(f"sqlite:///{tmp_path / 'db'}", 0)
    ids = listing.raw_ids(store, book)

    def without_the_sixth(store: Store, collection_id: int, page: int) -> Any:
        return iter([ids[:5] + ids[6:]])

    monkeypatch.setattr(listing, "raw_id_pages", without_the_sixth)
    rows = list(listing.rows_in_storage_order(store, book))
    assert [row.href for row in rows] == hrefs[:5] + hrefs[6:]
