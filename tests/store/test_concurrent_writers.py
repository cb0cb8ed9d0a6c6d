"""Concurrent writers never lose an update: one If-Match wins, the others get 412."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.dav import make_addressbook, put_card, vcard


def test_only_one_of_many_conditional_puts_with_the_same_etag_wins(make_server,
                                                                    database_url):
    server = make_server(config_text=f"[storage]\ndatabase_url = {database_url}\n",
                         users={"alice": "alice-pw"})
    book = f"{server.url}/alice/race/"
    alice = server.session("alice", "alice-pw")
    make_addressbook(alice, book)
    put_card(alice, book + "c.vcf", vcard("c", "Start"))
    etag = alice.get(book + "c.vcf").headers["ETag"]

    def attempt(index: int) -> int:
        session = requests.Session()
        session.auth = ("alice", "alice-pw")
        return put_card(session, book + "c.vcf", vcard("c", f"Writer {index}"),
                        **{"If-Match": etag}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    assert sorted(statuses) == [204] + [412] * 7
    winner = statuses.index(204)
    assert f"Writer {winner}" in alice.get(book + "c.vcf").text


def test_concurrent_creates_of_one_uid_store_one_item(make_server):
    server = make_server(users={"alice": "alice-pw"})
    book = f"{server.url}/alice/contacts/"

    def attempt(index: int) -> int:
        session = requests.Session()
        session.auth = ("alice", "alice-pw")
        return put_card(session, f"{book}copy{index}.vcf",
                        vcard("one-uid", f"Copy {index}")).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(attempt, range(6)))
    assert statuses.count(201) == 1, statuses
    assert all(status == 409 for status in statuses if status != 201)


def test_parallel_first_requests_of_a_new_user_lose_no_card(make_server):
    """Regression: each first request seeded the default collections again, and a
    re-seed replaced the address book a parallel request had just written into."""
    server = make_server(users={"alice": "alice-pw"})
    book = f"{server.url}/alice/contacts/"

    def attempt(index: int) -> int:
        session = requests.Session()
        session.auth = ("alice", "alice-pw")
        return put_card(session, f"{book}p{index}.vcf", vcard(f"p{index}", f"P {index}")
                        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    assert statuses == [201] * 8
    alice = server.session("alice", "alice-pw")
    assert all(alice.get(f"{book}p{index}.vcf").status_code == 200 for index in range(8))
