"""Segments in the web app over HTTP: alice's segments with their sources and filter, the
members of one in pages of 25 (a cursor, never the whole book), escaping, and bob, who
gets neither the list entry nor the members of a segment that is not his.

The segment and its source book are this module's own (the package server is shared)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.server import ServerProcess
from tests.web.conftest import XSS
from tests.web.support import new_book, untranslated

SEGMENT = "vip-web"
MEMBERS = 30  # more than one page of 25


@pytest.fixture(scope="module")
def segment(web_server: ServerProcess) -> ServerProcess:
    people = [(f"vip-{n:02d}", f"Customer {n:02d}", ["VIP"]) for n in range(MEMBERS - 1)]
    people += [("vip-markup", XSS, ["VIP"]), ("plain-1", "Not Important", [])]
    new_book(web_server, "seg-src", "Segment source",
             [{"uid": uid, "name": {"formatted": name}, "categories": categories}
              for uid, name, categories in people])
    web_server.cli("segment", "add", SEGMENT, "--owner", "user:alice", "--from",
                   "/alice/seg-src/", "--category", "VIP", check=True)
    return web_server


def _names(page: str) -> list[str]:
    listed = page.split('<ul class="contacts">')[1].split("</ul>")[0]
    return re.findall(r'<a href="[^"]*">([^<]*)</a>', listed)


def test_the_segments_page_lists_alices_segment_with_its_source(
        segment: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(f"{segment.url}/app/segments")
    assert page.status_code == 200
    assert f'href="/app/segments/{SEGMENT}"' in page.text and "/alice/seg-src/" in page.text
    assert "<dt>Category</dt><dd>VIP</dd>" in page.text


def test_the_first_page_of_members_holds_25_and_links_the_next(
        segment: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(f"{segment.url}/app/segments/{SEGMENT}")
    assert page.status_code == 200
    assert len(_names(page.text)) == 25
    assert 'rel="next"' in page.text
    assert "Not Important" not in page.text


def test_the_next_page_holds_the_rest_and_no_next_link(
        segment: ServerProcess, alice_web: requests.Session) -> None:
    first = alice_web.get(f"{segment.url}/app/segments/{SEGMENT}").text
    found = re.search(r'rel="next" href="([^"]*)"', first)
    assert found is not None
    second = alice_web.get(segment.url + found.group(1).replace("&amp;", "&")).text
    assert len(_names(second)) == MEMBERS - 25
    assert 'rel="next"' not in second
    assert not set(_names(first)) & set(_names(second))


def test_a_member_named_with_markup_is_escaped(
        segment: ServerProcess, alice_web: requests.Session) -> None:
    pages = [alice_web.get(f"{segment.url}/app/segments/{SEGMENT}").text,
             alice_web.get(f"{segment.url}/app/segments/{SEGMENT}",
                           params={"after": "vip-28.vcf"}).text]
    assert all(XSS not in page for page in pages)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in page for page in pages)


def test_bob_neither_sees_nor_opens_alices_segment(
        segment: ServerProcess, bob_web: requests.Session) -> None:
    assert SEGMENT not in bob_web.get(f"{segment.url}/app/segments").text
    assert bob_web.get(f"{segment.url}/app/segments/{SEGMENT}").status_code == 404


def test_a_cursor_longer_than_the_bound_is_refused(
        segment: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.get(f"{segment.url}/app/segments/{SEGMENT}",
                           params={"after": "x" * 256})
    assert answer.status_code == 422


def test_every_label_of_these_pages_is_in_the_polish_and_chinese_catalogues() -> None:
    assert untranslated("segments.html", "segment.html") == {}
