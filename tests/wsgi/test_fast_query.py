"""addressbook-query (RFC 6352 §8.6) answered by the fast listing from the contact
index: only when the index answers the filter exactly for every card, without reading
any card's text, within the query time budget. Radicale's byte-for-byte agreement is
tested in test_fast_listing_differential.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, update

from cms_dav.app import App, build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.store import listing, sql
from cms_dav.store.schema import collections, contact_cards
from tests.wsgi.wsgi_call import Answer, call

BOOK = "/alice/book/"
MKCOL = ('<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" '
         'xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype>'
         '<d:collection/><cr:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>')


def query(text: str, data: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?><cr:addressbook-query xmlns:d="DAV:" '
            f'xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/>{data}</d:prop>'
            '<cr:filter><cr:prop-filter name="ORG"><cr:text-match match-type="contains">'
            f'{text}</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>'
            ).encode()


def card(uid: str, org: str) -> bytes:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{uid}\r\nORG:{org};Sales\r\n"
            "END:VCARD\r\n").encode()


def make_world(data_dir: Path, query_seconds: float | None = None) -> tuple[App, object]:
    settings = load_settings(data_dir=data_dir)
    if query_seconds is not None:
        settings = dataclasses.replace(
            settings, limits=dataclasses.replace(settings.limits, query_seconds=query_seconds))
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    app = build_app(settings)
    stack = app.wsgi()
    assert call(stack, "MKCOL", BOOK, MKCOL.encode(),
                {"Content-Type": "application/xml"}).code == 201
    for uid, org in (("a", "北京科技有限公司"), ("b", "Acme"), ("c", "上海科技有限")):
        assert call(stack, "PUT", f"{BOOK}{uid}.vcf", card(uid, org),
                    {"Content-Type": "text/vcard"}).code == 201
    return app, stack


@pytest.fixture
def world(tmp_path: Path) -> tuple[App, object]:
    return make_world(tmp_path)


def ask(stack: object, body: bytes) -> Answer:
    return call(stack, "REPORT", BOOK, body, {"Content-Type": "application/xml"})  # type: ignore[arg-type]


def hrefs(answer: Answer) -> list[bytes]:
    return [part.split(b"</href>")[0] for part in answer.body.split(b"<href>")[1:]]


def streamed(answer: Answer) -> bool:
    return answer.header("Content-Length") is None


def test_an_org_query_for_etags_is_answered_from_the_index_in_href_order(world):
    _, stack = world
    answer = ask(stack, query("科技有限"))
    assert answer.code == 207 and streamed(answer)
    assert hrefs(answer) == [b"/alice/book/a.vcf", b"/alice/book/c.vcf"]


def test_an_etag_only_query_reads_no_card_text(world, monkeypatch):
    app, stack = world
    ask(stack, query("科技"))  # the coverage of the index is checked once per version
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement)

    run = sql.driver_rows

    def driver_rows(conn: Connection, text: str, params: Any) -> list[Any]:
        statements.append(text)  # the statements run on the driver's own cursor
        return run(conn, text, params)

    monkeypatch.setattr(listing, "driver_rows", driver_rows)
    monkeypatch.setattr(sql, "driver_rows", driver_rows)
    event.listen(app.engine, "before_cursor_execute", record)
    try:
        assert streamed(ask(stack, query("科技")))
    finally:
        event.remove(app.engine, "before_cursor_execute", record)
    assert statements and not any("text" in s.split("FROM")[0] for s in statements if
                                  "items" in s), statements


def test_a_matched_card_whose_name_needs_quoting_has_its_href_quoted(world):
    _, stack = world
    assert call(stack, "PUT", f"{BOOK}d%20%26.vcf", card("d", "科技有限"),  # type: ignore[arg-type]
                {"Content-Type": "text/vcard"}).code == 201
    answer = ask(stack, query("科技有限"))
    assert hrefs(answer) == [b"/alice/book/a.vcf", b"/alice/book/c.vcf",
                             b"/alice/book/d%20%26.vcf"]


def test_a_query_for_card_text_is_left_to_radicale(world):
    _, stack = world
    answer = ask(stack, query("科技", "<cr:address-data/>"))
    assert answer.code == 207 and not streamed(answer)
    assert b"BEGIN:VCARD" in answer.body


def test_a_card_the_index_no_longer_vouches_for_sends_the_query_to_radicale(world):
    """Regression: the index coverage is remembered per collection version; a change
    that leaves a card unindexed also raises the version, so it is seen at once."""
    app, stack = world
    assert streamed(ask(stack, query("科技")))
    with app.engine.begin() as conn:
        conn.execute(update(contact_cards).where(contact_cards.c.href == "b.vcf")
                     .values(values_ok=False))
        conn.execute(update(collections).where(collections.c.path == "alice/book")
                     .values(sync_seq=collections.c.sync_seq + 1))
    answer = ask(stack, query("科技"))
    assert answer.code == 207 and not streamed(answer)
    assert hrefs(answer) == [b"/alice/book/a.vcf", b"/alice/book/c.vcf"]


def test_a_query_answered_from_the_index_keeps_the_query_time_budget(tmp_path):
    _, stack = make_world(tmp_path, query_seconds=1e-9)
    answer = ask(stack, query("科技"))
    assert answer.code == 507
    assert b"number-of-matches-within-limits" in answer.body
    assert b"query_seconds" in answer.body


def test_an_etag_only_query_reads_names_and_etags_from_the_index_rows(world, monkeypatch):
    """At 100k an index row is ~5 times smaller than the card's items row: the ETags
    of the matches come from contact_cards (round nine)."""
    app, stack = world
    ask(stack, query("科技"))
    read: list[str] = []
    run = listing.driver_rows

    def driver_rows(conn: Connection, text: str, params: Any) -> list[Any]:
        read.append(text)
        return run(conn, text, params)

    monkeypatch.setattr(listing, "driver_rows", driver_rows)
    assert streamed(ask(stack, query("科技")))
    assert read and all("FROM contact_cards" in s for s in read), read


def test_etags_read_from_the_index_rows_are_those_of_the_items_rows(world, monkeypatch):
    """Differential: after edits (new ETags) and a move (a new name), the answer read
    from the index rows is byte for byte the one read from the items rows."""
    app, stack = world
    assert call(stack, "PUT", f"{BOOK}a.vcf", card("a", "北京科技有限公司 2"),
                {"Content-Type": "text/vcard"}).code == 204
    assert call(stack, "MOVE", f"{BOOK}c.vcf", b"",
                {"Destination": f"http://localhost{BOOK}e.vcf"}).code == 201
    from_index = ask(stack, query("科技"))
    assert streamed(from_index)
    monkeypatch.setattr(listing, "INDEXED_COLUMNS", "(not the index)")
    from_items = ask(stack, query("科技"))
    assert streamed(from_items)
    assert from_index.body == from_items.body
    assert hrefs(from_index) == [b"/alice/book/a.vcf", b"/alice/book/e.vcf"]


def test_an_index_row_under_another_name_is_not_vouched_for(world):
    """Regression guard of the index-row read: a card whose index row names it
    differently from its items row leaves the query to Radicale."""
    app, stack = world
    assert streamed(ask(stack, query("科技")))
    with app.engine.begin() as conn:
        conn.execute(update(contact_cards).where(contact_cards.c.href == "c.vcf")
                     .values(href="elsewhere.vcf"))
        conn.execute(update(collections).where(collections.c.path == "alice/book")
                     .values(sync_seq=collections.c.sync_seq + 1))
    answer = ask(stack, query("科技"))
    assert answer.code == 207 and not streamed(answer)
    assert hrefs(answer) == [b"/alice/book/a.vcf", b"/alice/book/c.vcf"]
