"""``cms-dav trash``: whatever a client deletes can be listed, restored and purged."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Iterator
from xml.etree import ElementTree as ET

import pytest
import requests
from sqlalchemy.exc import DBAPIError

from tests.io.support import objects, run_cli, run_json
from tests.support.dav import NS, propfind, put_card, vcard
from tests.support.server import ServerProcess


def _entry(live: ServerProcess, **wanted: str) -> dict:
    entries = run_json(live.data_dir, "trash", "list")
    return next(e for e in entries if all(e[k] == v for k, v in wanted.items()))


def test_a_deleted_card_is_restored_with_its_text_and_etag(
        live: ServerProcess, alice: requests.Session, book: str) -> None:
    url = live.url + book
    put_card(alice, url + "ada.vcf", vcard("ada-trash", "Lovelace Ada"))
    before = objects(alice, url)
    assert alice.delete(url + "ada.vcf").status_code in (200, 204)
    entry = _entry(live, path=book.strip("/"), href="ada.vcf")
    assert entry["kind"] == "item" and entry["actor"] == "alice"
    run_cli(live.data_dir, "trash", "restore", entry["id"])
    assert objects(alice, url) == before
    assert all(e["id"] != entry["id"] for e in run_json(live.data_dir, "trash", "list"))


def test_restoring_onto_a_reused_href_is_refused(
        live: ServerProcess, alice: requests.Session, book: str) -> None:
    url = live.url + book
    put_card(alice, url + "ada.vcf", vcard("ada-old", "Lovelace Ada"))
    alice.delete(url + "ada.vcf")
    put_card(alice, url + "ada.vcf", vcard("ada-new", "Lovelace Ada"))
    entry = _entry(live, path=book.strip("/"), href="ada.vcf")
    result = run_cli(live.data_dir, "trash", "restore", entry["id"], ok=False)
    assert result.exit_code == 1 and "exists again" in result.stderr


def test_a_deleted_address_book_comes_back_with_its_name_and_cards(
        live: ServerProcess, alice: requests.Session, book: str) -> None:
    url = live.url + book
    for n in range(3):
        put_card(alice, f"{url}c{n}.vcf", vcard(f"c{n}-{book}", f"Person {n}"))
    before = objects(alice, url)
    assert alice.delete(url).status_code in (200, 204)
    entry = _entry(live, path=book.strip("/"), kind="collection")
    assert entry["items"] == 3
    listed = run_json(live.data_dir, "trash", "list")
    assert not [e for e in listed if e["kind"] == "item" and e["path"] == book.strip("/")]
    run_cli(live.data_dir, "trash", "restore", entry["id"])
    assert objects(alice, url) == before
    props = propfind(alice, url, "<d:propfind xmlns:d='DAV:'><d:prop><d:displayname/>"
                     "</d:prop></d:propfind>", depth="0")
    name = ET.fromstring(props.content).findtext(
        "d:response/d:propstat/d:prop/d:displayname", namespaces=NS)
    assert name == "Contacts"


def test_other_users_do_not_see_alices_trash(live: ServerProcess, alice: requests.Session,
                                             book: str) -> None:
    put_card(alice, live.url + book + "x.vcf", vcard("x-private", "Secret Person"))
    alice.delete(live.url + book + "x.vcf")
    seen = run_json(live.data_dir, "trash", "list", "--user", "bob")
    assert all(not e["path"].startswith("alice/") for e in seen)


def test_purge_forgets_entries_older_than_the_cutoff(
        live: ServerProcess, alice: requests.Session, book: str) -> None:
    put_card(alice, live.url + book + "y.vcf", vcard("y-purge", "Short Lived"))
    alice.delete(live.url + book + "y.vcf")
    run_cli(live.data_dir, "trash", "purge")  # default 30 days: keeps today's
    assert any(e["href"] == "y.vcf" for e in run_json(live.data_dir, "trash", "list"))
    run_cli(live.data_dir, "trash", "purge", "--older-than", "0")
    assert run_json(live.data_dir, "trash", "list") == []


@contextmanager
def _failing_delete(live: ServerProcess, table: str, row_id: int) -> Iterator[None]:
    """Deleting row ``row_id`` of ``table`` fails in the database (a crash between the
    restored item and the trash row's removal, made deterministic)."""
    db = sqlite3.connect(live.data_dir / "cms-dav.sqlite3", timeout=30)
    try:
        db.execute(f"CREATE TRIGGER fail_restore BEFORE DELETE ON {table} "
                   f"WHEN OLD.id = {int(row_id)} BEGIN SELECT RAISE(ABORT, 'no'); END")
        db.commit()
        yield
    finally:
        db.execute("DROP TRIGGER IF EXISTS fail_restore")
        db.commit()
        db.close()


def test_restore_is_one_transaction_so_a_failed_trash_row_removal_leaves_the_card_deleted(
        live: ServerProcess, alice: requests.Session, book: str) -> None:
    url = live.url + book
    put_card(alice, url + "tx.vcf", vcard("tx-trash", "Atomic Ada"))
    alice.delete(url + "tx.vcf")
    entry = _entry(live, path=book.strip("/"), href="tx.vcf")
    with _failing_delete(live, "history", int(entry["id"].split("-")[1])):
        with pytest.raises(DBAPIError):
            run_cli(live.data_dir, "trash", "restore", entry["id"], ok=False)
    assert alice.get(url + "tx.vcf").status_code == 404
    assert any(e["id"] == entry["id"] for e in run_json(live.data_dir, "trash", "list"))


def test_restore_is_one_transaction_so_a_failed_collection_trash_row_removal_restores_nothing(
        live: ServerProcess, alice: requests.Session, book: str) -> None:
    url = live.url + book
    put_card(alice, url + "c.vcf", vcard(f"c-{book}", "Folder Person"))
    assert alice.delete(url).status_code in (200, 204)
    entry = _entry(live, path=book.strip("/"), kind="collection")
    with _failing_delete(live, "trash_collections", int(entry["id"].split("-")[1])):
        with pytest.raises(DBAPIError):
            run_cli(live.data_dir, "trash", "restore", entry["id"], ok=False)
    assert alice.request("PROPFIND", url, headers={"Depth": "0"}).status_code == 404
    assert any(e["id"] == entry["id"] for e in run_json(live.data_dir, "trash", "list"))
