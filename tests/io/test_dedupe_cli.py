"""``cms-dav dedupe``: planted duplicates among 1,000 distinct contacts; merging."""

from __future__ import annotations

import dataclasses
import re
import uuid

import pytest
import requests
import vobject

from cms_dav.config import load_settings
from cms_dav.contacts.interactions import parse_interactions
from cms_dav.io.contact_record import record_to_vcard
from cms_dav.io.stored_items import item_data
from cms_dav.app import build_app
from tests.contacts.history_support import seed_card
from tests.io.people import generate_people
from tests.io.support import objects, run_cli, run_json
from tests.support.dav import put_card, sync_collection, vcard
from tests.support.server import ServerProcess


def _planted(people: list) -> tuple[list, list[set[str]]]:
    """Three copies that are the same person written differently, and the groups
    (by FN) dedupe must find."""
    by_email, by_phone = people[10], people[20]
    typo = next(p for p in people[30:] if p.org and len(p.given) > 4 and p.given.isascii())
    copies = [
        dataclasses.replace(by_email, fn=by_email.fn + " (2)", phones=[],
                            emails=[("", by_email.emails[0][1].upper())]),
        dataclasses.replace(by_phone, fn=by_phone.fn + " (3)", emails=[],
                            phones=[("", re.sub(r"\D", "", by_phone.phones[0][1])
                                     .replace("48", "0048", 1))]),
        dataclasses.replace(typo, given=typo.given[:-1], emails=[], phones=[],
                            fn=f"{typo.given[:-1]} {typo.family}"),
    ]
    groups = [{by_email.fn, copies[0].fn}, {by_phone.fn, copies[1].fn},
              {typo.fn, copies[2].fn}]
    return copies, groups


@pytest.fixture(scope="module")
def crowded_book(live: ServerProcess) -> tuple[str, list[set[str]]]:
    """1,000 distinct people plus three planted duplicates, written in one transaction."""
    people = generate_people(1000, seed=42)
    copies, groups = _planted(people)
    path = "alice/crowd"
    items = []
    for n, person in enumerate(people + copies):
        items.append((f"c{n}.vcf", item_data(record_to_vcard(person), "VADDRESSBOOK", path)))
    store = build_app(load_settings(live.data_dir)).store
    store.replace_collection(path, {"tag": "VADDRESSBOOK"}, items, "test")
    return f"/{path}/", groups


def test_dedupe_finds_each_planted_duplicate_and_nothing_else(
        live: ServerProcess, crowded_book: tuple[str, list[set[str]]]) -> None:
    book, planted = crowded_book
    groups = run_json(live.data_dir, "dedupe", book)
    found = [{m["name"] for m in group["members"]} for group in groups]
    assert sorted(map(sorted, found)) == sorted(map(sorted, planted))


def test_dedupe_shows_groups_side_by_side_with_score(
        live: ServerProcess, crowded_book: tuple[str, list[set[str]]]) -> None:
    book, _ = crowded_book
    output = run_cli(live.data_dir, "dedupe", book).stdout
    assert output.count("score") == 3 and "same e-mail" in output


@pytest.fixture
def duplicated(live: ServerProcess, alice: requests.Session, book: str) -> dict[str, str]:
    url = live.url + book
    put_card(alice, url + "ada.vcf", vcard("ada-1", "Lovelace Ada",
                                           "EMAIL:ada@example.com\r\nNOTE:met at the fair\r\n"
                                           "TEL:+44 20 7946 0000\r\n"))
    put_card(alice, url + "ada2.vcf", vcard("ada-2", "Lovelace Ada",
                                            "EMAIL:ADA@example.com\r\nNOTE:call back in May\r\n"))
    put_card(alice, url + "bob.vcf", vcard("bob-1", "Builder Bob", "EMAIL:bob@example.com\r\n"))
    return {"url": url, "book": book}


def test_merge_keeps_every_note_and_a_client_sees_one_update_and_one_delete(
        live: ServerProcess, alice: requests.Session, duplicated: dict[str, str]) -> None:
    url = duplicated["url"]
    _, token, _ = sync_collection(alice, url)
    [group] = run_json(live.data_dir, "dedupe", duplicated["book"])
    kept = group["members"][0]["href"]
    run_cli(live.data_dir, "dedupe", duplicated["book"], "--merge", group["id"], "--yes")
    _, _, changes = sync_collection(alice, url, token)
    gone = next(m["href"] for m in group["members"] if m["href"] != kept)
    assert changes == {f"{duplicated['book']}{kept}": 200, f"{duplicated['book']}{gone}": 404}
    merged = objects(alice, url)[f"{duplicated['book']}{kept}"][1]
    assert "met at the fair" in merged and "call back in May" in merged


def test_merge_without_yes_on_a_pipe_changes_nothing(
        live: ServerProcess, alice: requests.Session, duplicated: dict[str, str]) -> None:
    [group] = run_json(live.data_dir, "dedupe", duplicated["book"])
    result = run_cli(live.data_dir, "dedupe", duplicated["book"], "--merge", group["id"],
                     ok=False)
    assert result.exit_code == 1 and "--yes" in result.stderr
    assert len(objects(alice, duplicated["url"])) == 3


def test_merging_an_unknown_group_is_a_clear_error(live: ServerProcess,
                                                  duplicated: dict[str, str]) -> None:
    result = run_cli(live.data_dir, "dedupe", duplicated["book"], "--merge", "0000000000",
                     "--yes", ok=False)
    assert result.exit_code == 1 and "no duplicate group" in result.stderr


def test_dedupe_merge_of_notes_differing_only_in_escaping_keeps_one_entry_per_id(
        live: ServerProcess, alice: requests.Session, book: str) -> None:
    """A note added with ``cms-dav notes`` is stored with plain ';' separators; a copy of
    the card made through vobject has them as ``\\;`` (stored as it was written).
    Merging the two copies must see one interaction, not two with the same id."""
    url = live.url + book
    uid = f"ada-{uuid.uuid4().hex}"  # the io tests share one server: a reference of its own
    assert put_card(alice, url + "ada.vcf", vcard(uid, "Lovelace Ada",
                                                  "EMAIL:ada@example.com\r\n")).status_code == 201
    added = run_cli(live.data_dir, "notes", "add", uid, "--user", "alice",
                    "--type", "call", "--text", "Renewal; quote next week").stdout
    note_id = added.split()[1]
    original = alice.get(url + "ada.vcf").text
    assert f"X-CMS-INTERACTION:{note_id};call;" in original
    copy = vobject.readOne(original.replace(f"UID:{uid}", f"UID:{uid}-copy")).serialize()
    # stored as the server's own (as from a backup): a client's PUT of the copy would
    # record its entries anew under the uploader (issue 14 item 5), escaping and all
    seed_card(live, book.strip("/"), "ada-copy.vcf", copy, f"{uid}-copy", actor="alice")
    assert f"X-CMS-INTERACTION:{note_id}\\;call\\;" in alice.get(url + "ada-copy.vcf").text

    [group] = run_json(live.data_dir, "dedupe", book)
    run_cli(live.data_dir, "dedupe", book, "--merge", group["id"], "--yes")

    [(_, merged)] = objects(alice, url).values()
    assert [n.id for n in parse_interactions(merged)] == [note_id]
