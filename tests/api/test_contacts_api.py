"""Contacts through the JSON API use the CardDAV write path: what one door writes the
other sees, conditional updates protect concurrent edits, nothing the JSON does not
model is lost, and the audit names the door "api" (issue 15 items 1 and 3)."""

from __future__ import annotations

import requests

from cms_dav.io.trash import list_trash
from tests.api.support import API, book_url, in_process
from tests.support.dav import put_card, sync_collection, vcard
from tests.support.server import ServerProcess

ANNA = {"name": {"given": "Anna", "family": "Nowak"},
        "organisation": {"name": "Acme", "units": ["Sales"]},
        "phones": [{"value": "+48 600 100 200", "types": ["cell"]}],
        "emails": [{"value": "anna@example.com", "types": ["work"]}],
        "addresses": [{"street": "Długa 1", "locality": "Gdańsk", "country": "Poland"}],
        "categories": ["VIP"], "birthday": "1990-04-01"}


def create(session: requests.Session, server: ServerProcess, uid: str,
           body: dict[str, object] | None = None) -> requests.Response:
    response = session.post(book_url(server), json={**(body or ANNA), "uid": uid})
    assert response.status_code == 201, response.text
    return response


def test_a_contact_created_through_the_api_appears_in_carddav_sync_with_the_same_data(
        api_server: ServerProcess, alice: requests.Session) -> None:
    dav_book = f"{api_server.url}/alice/contacts/"
    _, token, _ = sync_collection(alice, dav_book)
    created = create(alice, api_server, "sync-1")
    _, _, changed = sync_collection(alice, dav_book, token)
    assert changed == {"/alice/contacts/sync-1.vcf": 200}
    on_dav = alice.get(dav_book + "sync-1.vcf")
    assert on_dav.text == created.json()["vcard"]
    assert on_dav.headers["ETag"] == created.headers["ETag"] == created.json()["etag"]
    assert created.headers["Location"] == f"{API}/address-books/alice/contacts/contacts/sync-1.vcf"
    body = created.json()
    assert body["name"]["formatted"] == "Anna Nowak"
    assert body["phones"] == [{"value": "+48 600 100 200", "types": ["cell"],
                               "e164": "+48600100200"}]
    assert body["addresses"][0]["locality"] == "Gdańsk"


def test_a_card_edited_over_carddav_shows_the_change_through_the_api(
        api_server: ServerProcess, alice: requests.Session) -> None:
    url = f"{api_server.url}/alice/contacts/dav-1.vcf"
    assert put_card(alice, url, vcard("dav-1", "Kowalski Jan")).status_code == 201
    assert put_card(alice, url, vcard("dav-1", "Kowalski Janusz")).status_code in (201, 204)
    seen = alice.get(f"{book_url(api_server)}/dav-1.vcf")
    assert seen.status_code == 200
    assert seen.json()["name"]["formatted"] == "Kowalski Janusz"
    assert seen.headers["ETag"] == alice.get(url).headers["ETag"]


def test_a_stale_if_match_gets_412_and_changes_nothing(
        api_server: ServerProcess, alice: requests.Session) -> None:
    created = create(alice, api_server, "stale-1")
    url = f"{book_url(api_server)}/stale-1.vcf"
    first = alice.put(url, json={"title": "CEO"}, headers={"If-Match": created.headers["ETag"]})
    assert first.status_code == 200, first.text
    stale = alice.put(url, json={"title": "CTO"}, headers={"If-Match": created.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/problem+json"
    assert alice.get(url).json()["title"] == "CEO"


def test_an_update_without_if_match_gets_428_and_changes_nothing(
        api_server: ServerProcess, alice: requests.Session) -> None:
    created = create(alice, api_server, "no-match-1")
    url = f"{book_url(api_server)}/no-match-1.vcf"
    assert alice.put(url, json={"title": "CEO"}).status_code == 428
    assert alice.get(url).json()["vcard"] == created.json()["vcard"]


def test_an_update_keeps_every_vcard_line_the_json_does_not_model(
        api_server: ServerProcess, alice: requests.Session) -> None:
    kept = ["item1.TEL;TYPE=pref:+48 600 999 000", "item1.X-ABLabel:Assistant",
            "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg==", "X-SOCIALPROFILE;TYPE=x:x:anna"]
    text = vcard("lossless-1", "Nowak Anna", "\r\n".join(kept) + "\r\nEMAIL:old@example.com\r\n")
    url = f"{api_server.url}/alice/contacts/lossless-1.vcf"
    assert put_card(alice, url, text).status_code == 201
    api_url = f"{book_url(api_server)}/lossless-1.vcf"
    before = alice.get(api_url)
    phones = before.json()["phones"]
    changed = alice.put(api_url, headers={"If-Match": before.headers["ETag"]},
                        json={"emails": [{"value": "new@example.com"}],
                              "phones": [{"value": p["value"], "types": p["types"]}
                                         for p in phones]})
    assert changed.status_code == 200, changed.text
    stored = alice.get(url).text
    for line in kept:
        assert line in stored
    assert "EMAIL:new@example.com" in stored and "old@example.com" not in stored


def test_writes_through_the_api_are_audited_with_door_api(
        api_server: ServerProcess, alice: requests.Session) -> None:
    created = create(alice, api_server, "audit-1")
    alice.put(f"{book_url(api_server)}/audit-1.vcf", json={"title": "CEO"},
              headers={"If-Match": created.headers["ETag"]})
    entries = alice.get(f"{book_url(api_server)}/audit-1.vcf/audit").json()
    assert [(e["user"], e["door"], e["method"], e["kind"]) for e in entries] == [
        ("alice", "api", "PUT", "update"), ("alice", "api", "POST", "create")]


def test_a_deleted_contact_goes_to_the_trash(
        api_server: ServerProcess, alice: requests.Session) -> None:
    create(alice, api_server, "trash-1")
    assert alice.delete(f"{book_url(api_server)}/trash-1.vcf").status_code == 204
    assert alice.get(f"{book_url(api_server)}/trash-1.vcf").status_code == 404
    with in_process(api_server) as app:
        trashed = [(e.path, e.href, e.actor) for e in list_trash(app.store) if e.uid == "trash-1"]
    assert trashed == [("alice/contacts", "trash-1.vcf", "alice")]


def test_the_list_pages_with_a_cursor_through_every_contact_once(
        api_server: ServerProcess, alice: requests.Session) -> None:
    for number in range(3):
        create(alice, api_server, f"page-{number}")
    seen: list[str] = []
    cursor = None
    while True:
        page = alice.get(book_url(api_server), params={"limit": 2, **(
            {"cursor": cursor} if cursor else {})}).json()
        seen += [item["href"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and seen == sorted(seen)
    assert {f"page-{n}.vcf" for n in range(3)} <= set(seen)


def test_search_finds_a_contact_by_name_and_category(
        api_server: ServerProcess, alice: requests.Session) -> None:
    create(alice, api_server, "search-1", {**ANNA, "name": {"given": "Zofia", "family": "Wójcik"},
                                           "categories": ["Golf"]})
    by_name = alice.get(f"{api_server.url}{API}/contacts", params={"q": "wojcik"}).json()
    assert [c["uid"] for c in by_name] == ["search-1"]
    by_category = alice.get(f"{api_server.url}{API}/contacts", params={"category": "Golf"})
    assert [c["uid"] for c in by_category.json()] == ["search-1"]


def test_an_interaction_with_a_follow_up_is_added_listed_and_marked_done(
        api_server: ServerProcess, alice: requests.Session) -> None:
    create(alice, api_server, "notes-1")
    timeline = f"{book_url(api_server)}/notes-1.vcf/interactions"
    added = alice.post(timeline, json={"kind": "call", "text": "Offer sent",
                                       "follow_up": "2030-01-15"})
    assert added.status_code == 201, added.text
    entry = added.json()
    assert (entry["author"], entry["follow_up"], entry["done_at"]) == ("alice", "2030-01-15",
                                                                       None)
    done = alice.post(f"{timeline}/{entry['id']}/done", json={})
    assert done.status_code == 200, done.text
    listed = alice.get(timeline).json()
    assert [(e["id"], e["done_at"] is not None) for e in listed] == [(entry["id"], True)]


def test_a_part_sent_as_null_is_cleared_and_a_part_left_out_is_kept(
        api_server: ServerProcess, alice: requests.Session) -> None:
    created = create(alice, api_server, "merge-1")
    changed = alice.put(f"{book_url(api_server)}/merge-1.vcf",
                        headers={"If-Match": created.headers["ETag"]},
                        json={"organisation": None, "phones": None})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["organisation"], body["phones"]) == (None, [])
    assert body["emails"] == created.json()["emails"] and body["birthday"] == "1990-04-01"


def test_the_caller_sees_its_own_address_books_and_calendars_with_its_access(
        api_server: ServerProcess, alice: requests.Session) -> None:
    books = alice.get(f"{api_server.url}{API}/address-books").json()
    calendars = alice.get(f"{api_server.url}{API}/calendars").json()
    assert {(b["path"], b["access"]) for b in books} >= {("alice/contacts", "write")}
    assert ("alice/calendar", "write") in {(c["path"], c["access"]) for c in calendars}
    assert "alice/contacts" not in {c["path"] for c in calendars}
    assert all(item["owner"] == "alice" for item in books + calendars)


def test_a_card_with_values_the_api_would_refuse_on_input_still_reads(
        api_server: ServerProcess, alice: requests.Session) -> None:
    odd = "EMAIL:not-an-address\r\nTITLE:line one\\nline two\r\nORG:" + "x" * 700 + "\r\n"
    url = f"{api_server.url}/alice/contacts/odd-1.vcf"
    assert put_card(alice, url, vcard("odd-1", "Nowak Anna", odd)).status_code == 201
    seen = alice.get(f"{book_url(api_server)}/odd-1.vcf")
    assert seen.status_code == 200, seen.text
    assert seen.json()["title"] == "line one\nline two"
    assert seen.json()["emails"] == [{"value": "not-an-address", "types": []}]
