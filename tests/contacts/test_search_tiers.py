"""A keystroke's page from the exact and prefix rows (cms_dav.contacts.search_tiers) is
exactly the head of the full ranking, over two books and every kind of field; and it is
really taken (not the full search behind it) when those rows fill the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import event

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from cms_dav.contacts import query as query_module
from cms_dav.contacts import search_tiers
from cms_dav.contacts.query import Book, search
from cms_dav.contacts.search_terms import parse_query
from cms_dav.contacts.search_tiers import top_scores
from cms_dav.store.sql import as_db
from tests.contacts.index_support import book, card_data, vcard

CARDS = [
    ("Zofia Nowak", ["EMAIL:zofia@example.pl", "ORG:Zeta", "NOTE:zoo visit",
                     "TEL:+48 600 100 200"]),
    ("Zbigniew Zorro", ["EMAIL:zz@example.com", "TITLE:Zookeeper", "TEL:+48 600 100 201"]),
    ("张伟", ["N:张;伟;;;", "EMAIL:zw@example.cn", "ORG:北京科技", "TEL:+86 138 0013 8000"]),
    ("张伟", ["N:张;伟;;;", "EMAIL:wei.zhang@example.cn"]),
    ("周伟", ["N:周;伟;;;", "CATEGORIES:zoo"]),
    ("Ada Zawada", ["EMAIL:ada@zeta.example", "ORG:Azure", "TEL:600 100 200"]),
    ("Oz", ["EMAIL:oz@example.com", "NOTE:z"]),
    ("Lazlo Mazur", ["EMAIL:lazlo@example.com", "ADR:;;;Zagreb;;;Croatia"]),
    ("Émile Zola", ["EMAIL:emile.zola@example.fr", "ORG:zeta"]),
    ("zed", []),
    # "acme w": two cards start with the phrase (organisation) and score 6, the most a
    # card without the phrase can score with two words, and "W Acme" does: a tie
    ("Xavier", ["ORG:Acme Works"]),
    ("Yvonne", ["ORG:Acme Works"]),
    ("W Acme", []),
    # notes: a word of three characters or more shares a row with the others (issue 19)
    ("Quincy", ["NOTE:met zoologists at the zoo; visiting again, na"]),
    ("Rita", ["NOTE:visit"]),
]
QUERIES = ["z", "zo", "zw", "zh", "e", "ze", "zeta", "org:z", "note:z", "zw@example.cn",
           "zofia@", "a", "ł", "zoo", "+48 600 100 200", "600 100", "600", "+48 600",
           "138 0013", "+49 1", "zhang w", "zhang wei", "zofia n", "émile zola", "ada z",
           "z z", "wei zhang", "acme w", "visit", "vis", "note:vis", "note:zoo", "note:visit",
           "zoologists", '"zoo visit"', '"zoo; v"', "note:na", "na", "note:v", "note:zoologist",
           "note:at"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    built = build_app(load_settings(Path(tmp_path_factory.mktemp("search-tiers"))))
    built.store.replace_collection("alice", {}, [], "admin")
    for path in ("alice/one", "alice/two"):
        book(built.store, path)
    for number, (name, lines) in enumerate(CARDS):
        path = "alice/one" if number % 2 else "alice/two"
        built.store.put_item(path, f"c{number}.vcf",
                             card_data(vcard(f"c{number}", name, *lines), f"c{number}"),
                             "alice")
    yield built
    built.close()


def _books(app: App) -> list[Book]:
    found = [app.store.collection(path) for path in ("alice/one", "alice/two")]
    return [Book(r.id, r.path) for r in found if r is not None]


def ranked(app: App, text: str, limit: int | None) -> list[tuple[str, str, float]]:
    with app.store.reading() as conn:
        return [(c.book, c.href, c.score)
                for c in search(conn, _books(app), text, limit=limit)]


@pytest.mark.parametrize("text", QUERIES)
def test_every_page_length_is_the_head_of_the_full_ranking(app: App, text: str) -> None:
    whole = ranked(app, text, None)
    assert [ranked(app, text, n) for n in range(1, len(whole) + 2)] == [
        whole[:n] for n in range(1, len(whole) + 2)]


@pytest.mark.parametrize("probe", [0, 2, 400])
@pytest.mark.parametrize("text", QUERIES)
def test_a_level_walked_in_name_order_gives_the_same_pages(
        app: App, text: str, probe: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A level with many rows (a first letter at 100,000 cards) is read by walking each
    book's sort index instead of sorting its cards, after trying the first ``probe``
    cards of each book one by one (0: none; 2: a book's unprobed cards can hold the
    page; 400: every card): the pages are the same."""
    whole = ranked(app, text, None)
    monkeypatch.setattr(search_tiers, "SMALL_LEVEL", 0)
    monkeypatch.setattr(search_tiers, "PROBE", probe)
    assert [ranked(app, text, n) for n in range(1, len(whole) + 2)] == [
        whole[:n] for n in range(1, len(whole) + 2)]


def test_a_page_the_prefix_rows_fill_is_settled_by_them(app: App) -> None:
    """"z": names and pinyin starting with z score above anything a mere substring can,
    so the first three places come from the index seeks."""
    with app.store.reading() as conn:
        scores = top_scores(conn, [b.id for b in _books(app)], parse_query("z"), 3)
    assert scores is not None and len(scores) >= 3
    assert min(scores.values()) > 1.0


def test_a_page_of_cards_starting_with_the_phrase_is_settled_by_them(app: App) -> None:
    """"zhang w": both 张伟 start with the phrase (bonus) and score 6.5, above the 6 any
    other card could reach with two words; the page of two is theirs."""
    with app.store.reading() as conn:
        scores = top_scores(conn, [b.id for b in _books(app)], parse_query("zhang w"), 2)
    assert scores is not None and len(scores) == 2
    assert min(scores.values()) > 6.0


def test_a_phrase_with_more_rows_than_are_read_is_left_to_the_full_search(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rows start with "zhang w"; reading at most one cannot vouch for the page."""
    monkeypatch.setattr(search_tiers, "PHRASE_ROWS", 1)
    with app.store.reading() as conn:
        assert top_scores(conn, [b.id for b in _books(app)], parse_query("zhang w"), 1) is None


def test_a_phrase_page_another_card_could_enter_is_left_to_the_full_search(
        app: App) -> None:
    """"ada z": one card starts with the phrase; a second place is not theirs to fill."""
    with app.store.reading() as conn:
        assert top_scores(conn, [b.id for b in _books(app)], parse_query("ada z"), 2) is None


def test_a_page_the_prefix_rows_cannot_fill_is_left_to_the_full_search(app: App) -> None:
    """Only one card holds a term starting with "lazlo"; asking for more would need
    the substring matches, which the tiers do not read."""
    with app.store.reading() as conn:
        assert top_scores(conn, [b.id for b in _books(app)], parse_query("lazlo"), 5) is None


@pytest.mark.parametrize("text", ["zhang w", "z e", "wei zhang"])
def test_a_later_term_read_among_the_items_found_in_chunks_ranks_the_same(
        app: App, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = ranked(app, text, None)
    assert whole
    monkeypatch.setattr(query_module, "_CHUNK", 1)
    monkeypatch.setattr(query_module, "_AMONG", 100)
    assert ranked(app, text, None) == whole
    monkeypatch.setattr(query_module, "_AMONG", 0)  # a scan of the index instead
    assert ranked(app, text, None) == whole


def test_a_phone_number_is_ranked_whole_by_sql(app: App) -> None:
    """An equal number (10) above digits inside a number (1), every match found."""
    with app.store.reading() as conn:
        scores = top_scores(conn, [b.id for b in _books(app)], parse_query("600 100 200"), 50)
    assert scores is not None
    assert sorted(scores.values(), reverse=True)[:1] == [10.0]
    assert len(scores) == len(ranked(app, "600 100 200", None))


@pytest.mark.parametrize("text", ["zh", "zhang", "z", "zo"])
def test_a_name_or_pinyin_level_is_not_walked_along_the_books_sort_index(
        app: App, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 16 item 5, ``zh`` over 100 ms at 100,000 cards): a pinyin level
    was read by walking each book's sort index against its rows, and every Chinese name
    sorts after every Latin one, so the walk read all Latin cards first. Name and pinyin
    levels are read from contact_sorted_terms in name order instead, even when the level
    counts as large (SMALL_LEVEL 0, no probe): no statement walks the sort index for a
    name or pinyin row, and the pages are still the head of the full ranking."""
    whole = ranked(app, text, None)
    monkeypatch.setattr(search_tiers, "SMALL_LEVEL", 0)
    monkeypatch.setattr(search_tiers, "PROBE", 0)
    walked: list[tuple[Any, ...]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
             executemany: bool) -> None:
        if "ORDER BY contact_cards.sort_key" in statement and (
                "name" in parameters or "pinyin" in parameters):
            walked.append(parameters)

    event.listen(app.engine, "before_cursor_execute", seen)
    try:
        assert [ranked(app, text, n) for n in range(1, len(whole) + 2)] == [
            whole[:n] for n in range(1, len(whole) + 2)]
    finally:
        event.remove(app.engine, "before_cursor_execute", seen)
    assert walked == []


def test_a_probed_card_is_checked_through_its_own_rows_on_sqlite(app: App) -> None:
    """Regression (issue 19 round seven: "00" took 0.5-1 s at 10,000 cards): the probe of
    a large level reads each card's rows through ``ix_contact_terms_item_id``, not the
    level's condition seek on ``ix_contact_terms_field_term`` once per card (which reads
    every row of the level for each of the 400 cards); and it finds the right cards."""
    books = _books(app)
    with app.store.reading() as conn:
        driver = conn.connection.driver_connection
        statements: list[str] = []
        driver.set_trace_callback(statements.append)  # type: ignore[union-attr]
        try:
            found = search_tiers._probe(as_db(conn), [b.id for b in books],
                                        search_tiers._note_word("na")[0], {}, 1)
        finally:
            driver.set_trace_callback(None)  # type: ignore[union-attr]
        probe = [s for s in statements if "AS hit" in s]
        assert len(probe) == len(books)
        plan = " ".join(str(row[-1]) for row in driver.execute(  # type: ignore[union-attr]
            "EXPLAIN QUERY PLAN " + probe[0]))
    assert "ix_contact_terms_item_id" in plan and "ix_contact_terms_field_term" not in plan
    assert found is not None and [k[3] for k in found] == [
        c.item_id for c in _contacts_named(app, "Quincy")]


def _contacts_named(app: App, fn: str) -> list[Any]:
    with app.store.reading() as conn:
        return [c for c in search(conn, _books(app), fn) if c.fn == fn]
