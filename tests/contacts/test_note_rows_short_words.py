"""Issue 19 (round seven): a note's words under three characters share its joined row
instead of a row each. Over the third-party corpus and bench cards (their notes with the
timeline block the upload filter writes: ``09``, ``11``, ``00``...), every search, full
and keystroke page, answers as from the former shapes of the note rows: short words
alone with the longer ones joined (round four), and one row per word (before it). An
index written in a former shape needs no reindex; either backend."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import delete, insert, select

from bench import data
from cms_dav.app import App, build_app
from cms_dav.contacts.query import Book, search
from cms_dav.contacts.search_terms import SHORT_NOTE_WORD
from cms_dav.store import fts
from cms_dav.store.schema import contact_terms
from tests.contacts.index_support import book, card_data, settings_for
from tests.store.corpus_objects import corpus_objects

BOOK = "alice/notes"
_UID = re.compile(r"^UID[;:](?:[^:\r\n]*:)?(.*?)\r?$", re.MULTILINE | re.IGNORECASE)


def _cards() -> Iterator[tuple[str, str, str]]:
    """(href, uid, text) of each single-card corpus vCard (the first of a UID), then 30
    bench cards."""
    uids: set[str] = set()
    for item in corpus_objects():
        text = item.body.decode("utf-8", "replace")
        found = _UID.search(text)
        if item.card and text.upper().count("BEGIN:VCARD") == 1 and found \
                and found.group(1).strip() not in uids:
            uids.add(found.group(1).strip())
            yield item.name, found.group(1).strip(), text
    for index in range(30):
        yield data.card_href(index), data.card_uid(index), data.make_card(index, 7).decode()


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[App]:
    built = build_app(settings_for(tmp_path, database_url))
    built.store.replace_collection("alice", {}, [], "admin")
    book(built.store, BOOK)
    for href, uid, text in _cards():
        built.store.put_item(BOOK, href, card_data(text, uid), "alice")
    yield built
    built.close()


def _note_rows(app: App) -> list[tuple[int, int, str]]:
    with app.store.reading() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(contact_terms.c.item_id, contact_terms.c.collection_id,
                   contact_terms.c.term).where(contact_terms.c.field == "note"))]


def _queries(app: App) -> list[str]:
    """Each short note word (alone, as ``note:`` and as a prefix of a longer one), and a
    sample of the longer words and their starts."""
    words = sorted({w for _, _, term in _note_rows(app) for w in term.split(" ")})
    short = [w for w in words if len(w) < SHORT_NOTE_WORD]
    longer = words[::max(1, len(words) // 25)]
    return [*short, *(f"note:{w}" for w in short), *longer,
            *(w[:2] for w in longer), *(w[:4] for w in longer), "utc 00", '"11 utc"']


def _answers(app: App, queries: list[str]) -> dict[tuple[str, int | None], list[object]]:
    found = app.store.collection(BOOK)
    assert found is not None
    books = [Book(found.id, found.path)]
    with app.store.reading() as conn:
        return {(q, n): [(c.href, c.score) for c in search(conn, books, q, limit=n)]
                for q in queries for n in (1, 5, None)}


def _rewrite(app: App, shape: str) -> None:
    """Every note row as the index kept them before: ``"word"``: one row per word;
    ``"round four"``: each short word a row, the others joined as now."""
    rows = _note_rows(app)
    written: list[dict[str, object]] = []
    for item_id, collection_id, term in rows:
        words = term.split(" ")
        if shape == "word":
            terms = words
        else:
            longer = " ".join(w for w in words if len(w) >= SHORT_NOTE_WORD)
            terms = [w for w in words if len(w) < SHORT_NOTE_WORD] + ([longer] if longer else [])
        written += [{"item_id": item_id, "collection_id": collection_id, "field": "note",
                     "term": t} for t in terms]
    with app.store.writing() as conn:
        conn.execute(delete(contact_terms).where(contact_terms.c.field == "note"))
        conn.execute(insert(contact_terms), written)
        fts.rebuild(conn)


def test_short_note_words_are_in_the_joined_rows(app: App) -> None:
    """The bench cards' timeline times are inside the one note row, none a row alone."""
    rows = _note_rows(app)
    assert not [term for _, _, term in rows if len(term) < SHORT_NOTE_WORD]
    assert any(" 00 " in f" {term} " for _, _, term in rows)


@pytest.mark.parametrize("shape", ["round four", "word"])
def test_every_search_answers_as_from_the_former_note_rows(app: App, shape: str) -> None:
    queries = _queries(app)
    joined = _answers(app, queries)
    assert sum(1 for found in joined.values() if found) > len(joined) // 2  # really found
    _rewrite(app, shape)
    assert len(_note_rows(app)) > len({item for item, _, _ in _note_rows(app)})
    assert _answers(app, queries) == joined
