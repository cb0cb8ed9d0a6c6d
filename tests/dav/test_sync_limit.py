"""sync-collection with ``DAV:limit`` (RFC 6578 §3.6): truncated pages with a 507 for
the request-URI and a token the next page continues from."""

from __future__ import annotations

from collections import Counter
from typing import Iterator
from xml.etree import ElementTree as ET

import pytest
import requests

from tests.dav.bulk import card_name, write_cards
from tests.support.dav import NS
from tests.support.server import ServerProcess

CARDS = 1000
BOOK = "alice/contacts"


def sync_body(token: str, nresults: str | None) -> str:
    limit = f"<d:limit><d:nresults>{nresults}</d:nresults></d:limit>" if nresults else ""
    return ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
            f'<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>{limit}'
            '<d:prop><d:getetag/></d:prop></d:sync-collection>')


class Page:
    def __init__(self, response: requests.Response) -> None:
        assert response.status_code == 207, response.text
        root = ET.fromstring(response.content)
        self.token = root.findtext("d:sync-token", namespaces=NS) or ""
        self.items: list[tuple[str, int]] = []
        self.truncated = False
        for answer in root.findall("d:response", NS):
            href = answer.findtext("d:href", namespaces=NS) or ""
            status = answer.findtext("d:status", namespaces=NS) or \
                answer.findtext("d:propstat/d:status", namespaces=NS) or ""
            code = int(status.split()[1])
            if href == f"/{BOOK}/":
                assert code == 507
                self.truncated = True
            else:
                self.items.append((href.rsplit("/", 1)[1], code))


def sync(server: ServerProcess, token: str = "", nresults: str | None = "100"
         ) -> requests.Response:
    return requests.request("REPORT", f"{server.url}/{BOOK}/",
                            data=sync_body(token, nresults).encode(),
                            headers={"Content-Type": "application/xml"},
                            auth=("alice", "alice-pw"), timeout=60)


def walk(server: ServerProcess, token: str) -> tuple[list[Page], str]:
    """Every page from ``token`` until one is not truncated; (pages, final token)."""
    pages: list[Page] = []
    while True:
        page = Page(sync(server, token))
        pages.append(page)
        token = page.token
        if not page.truncated:
            return pages, token
        assert len(pages) < 50, "the pages never end"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("sync-limit"))
    server.add_user("alice", "alice-pw")
    server.start()
    try:
        # the first login makes alice's home and address book
        requests.request("PROPFIND", f"{server.url}/alice/", auth=("alice", "alice-pw"),
                         headers={"Depth": "0"}, timeout=60).raise_for_status()
        write_cards(server.data_dir, BOOK, range(CARDS))
        yield server
    finally:
        server.stop()


def test_a_limited_initial_sync_of_1000_cards_takes_10_pages_each_card_once(server):
    pages, _ = walk(server, "")
    assert [page.truncated for page in pages] == [True] * 9 + [False]
    assert all(len(page.items) == 100 for page in pages)
    names = Counter(name for page in pages for name, _ in page.items)
    assert set(names) == {card_name(n) for n in range(CARDS)}
    assert set(names.values()) == {1}


def test_a_limited_sync_after_250_changes_reports_each_change_once(server):
    _, token = walk(server, "")
    changed = range(0, 1000, 5)  # 200 changed cards
    removed = range(3, 253, 5)  # 50 removed cards
    write_cards(server.data_dir, BOOK, changed, version=2, deleted=removed)
    # the same card changed again adds no name to the walk
    write_cards(server.data_dir, BOOK, range(0, 50, 5), version=3)
    pages, final = walk(server, token)
    assert len(pages) == 3
    reported = Counter(name for page in pages for name, _ in page.items)
    assert set(reported.values()) == {1}
    statuses = dict(item for page in pages for item in page.items)
    assert statuses == {**{card_name(n): 200 for n in changed},
                        **{card_name(n): 404 for n in removed}}
    assert Page(sync(server, final)).items == []


def test_a_change_between_pages_is_reported_by_the_next_sync(server):
    _, token = walk(server, "")
    write_cards(server.data_dir, BOOK, range(100, 400), version=4)
    first = Page(sync(server, token))
    write_cards(server.data_dir, BOOK, [150], version=5)  # already sent on page 1
    rest, final = walk(server, first.token)
    names = [name for page in [first, *rest] for name, _ in page.items]
    assert sorted(names) == [card_name(n) for n in range(100, 400)]
    assert Page(sync(server, final)).items == [(card_name(150), 200)]


def test_a_limit_larger_than_the_changes_gives_the_plain_token_and_no_507(server):
    _, token = walk(server, "")
    write_cards(server.data_dir, BOOK, [7], version=6)
    page = Page(sync(server, token, nresults="5000"))
    assert not page.truncated
    assert page.items == [(card_name(7), 200)]
    assert "~" not in page.token


@pytest.mark.parametrize("nresults", ["0", "-3", "ten", "1e3", "99999999999"])
def test_an_invalid_nresults_is_refused_with_400_naming_it(server, nresults):
    response = sync(server, "", nresults)
    assert response.status_code == 400
    assert "nresults" in response.text


def test_a_continuation_token_from_another_collection_is_an_invalid_sync_token(server):
    first = Page(sync(server, ""))
    assert first.truncated
    alien = first.token.replace(first.token.split("/")[-1].split("-")[0], "0" * 16)
    response = sync(server, alien)
    assert response.status_code == 403
    assert "valid-sync-token" in response.text


def test_a_continuation_token_sent_without_a_limit_gets_a_full_answer(server):
    first = Page(sync(server, ""))
    rest = Page(sync(server, first.token, nresults=None))
    assert not rest.truncated
    present = Page(sync(server, "", nresults="1000"))
    assert [name for name, _ in rest.items] == [name for name, _ in present.items]


@pytest.mark.parametrize("tail", ["~5~!!*", "9~5~YQ", "~x~YQ", "~5", "~99999999~YQ"])
def test_a_garbled_continuation_token_is_an_invalid_sync_token(server, tail):
    epoch = Page(sync(server, "")).token.split("/")[-1].split("-")[0]
    response = sync(server, f"http://cms-dav.org/ns/sync/{epoch}-{tail}")
    assert response.status_code == 403
    assert "valid-sync-token" in response.text
