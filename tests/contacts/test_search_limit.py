"""A search with a limit reads only the cards it shows (issue 16 item 5: a keystroke at
10,000 cards), so the limited answer must be exactly the head of the full ranking:
same scores, ties broken by folded name, group cards left out."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from cms_dav.app import App
from cms_dav.contacts.index_store import MAX_TERM
from cms_dav.contacts.normalize import fold
from cms_dav.contacts.query import Book, search
from tests.contacts.index_support import app_with_names

LONG = "a" * MAX_TERM  # names this long have a cut sort_key
NAMES = ("Zofia Nowak", "zoë Adams", "Émile Zola", "Zbigniew Zorro", "Ada Zawada",
         "Zhang Wei", "Wei Zhang", LONG + "z", LONG + "b")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    built = app_with_names(Path(tmp_path_factory.mktemp("search-limit")), NAMES, "Zz team")
    yield built
    built.close()


def ranked(app: App, text: str, limit: int | None) -> list[tuple[str, float]]:
    record = app.store.collection("alice/contacts")
    assert record is not None
    with app.store.reading() as conn:
        return [(c.fn, c.score) for c in search(conn, [Book(record.id, record.path)], text,
                                                limit=limit)]


@pytest.mark.parametrize("text", ["z", "zo", "zhang w", "zhang wei"])
def test_a_limited_search_is_the_head_of_the_full_ranking(app: App, text: str) -> None:
    whole = ranked(app, text, None)
    assert len(whole) > 1
    assert [ranked(app, text, n) for n in range(1, len(whole) + 1)] == [
        whole[:n] for n in range(1, len(whole) + 1)]


def test_equal_scores_rank_by_folded_name(app: App) -> None:
    whole = [fn for fn, score in ranked(app, "z", None) if score == ranked(app, "z", 1)[0][1]]
    assert whole == sorted(whole, key=fold)


def test_names_longer_than_the_sort_key_still_rank_by_the_whole_name(app: App) -> None:
    longs = [fn for fn, _ in ranked(app, "aaa", None) if fn.startswith(LONG)]
    assert longs == [LONG + "b", LONG + "z"]


def test_a_group_card_is_not_a_result_even_within_the_limit(app: App) -> None:
    assert "Zz team" not in [fn for fn, _ in ranked(app, "zz", 5)]


def test_the_phrase_bonus_ranks_the_name_typed_in_order_first(app: App) -> None:
    assert ranked(app, "zhang wei", 1)[0][0] == "Zhang Wei"
