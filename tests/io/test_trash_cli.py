"""``cms-dav trash``: whatever a client deletes can be listed, restored and purged."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import requests

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
