"""The contacts list is paged in SQL on contact_cards.sort_key (issue 16, item 5: a page
never loads the whole book): the folded display name, so accents and case do not
change the order, and migration 0015 fills the key of cards indexed before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from alembic import command
from sqlalchemy import event

from cms_dav.app import App
from cms_dav.contacts.query import Book, list_contacts, page_contacts
from cms_dav.store.migrate import _config as alembic_config
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.schema import contact_cards
from tests.contacts.index_support import app_with_names, book, card_data, vcard

NAMES = ("zoë Adams", "Émile Zola", "adam Smith", "Łukasz Wójcik", "Ada Lovelace", "bob")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    built = app_with_names(tmp_path, NAMES, "Aaa team")
    yield built
    built.close()


def books(app: App) -> list[Book]:
    record = app.store.collection("alice/contacts")
    assert record is not None
    return [Book(record.id, record.path)]


def names(app: App, offset: int, limit: int) -> list[str]:
    with app.store.reading() as conn:
        return [c.fn for c in page_contacts(conn, books(app), offset, limit)]


def test_pages_follow_the_folded_name_order_of_the_whole_list(app: App) -> None:
    with app.store.reading() as conn:
        whole = [c.fn for c in list_contacts(conn, books(app))]
    assert whole[:3] == ["Ada Lovelace", "adam Smith", "bob"]
    assert names(app, 0, 4) + names(app, 4, 4) == whole


def test_group_cards_are_not_listed(app: App) -> None:
    assert "Aaa team" not in names(app, 0, 100)


def test_a_renamed_card_moves_in_the_list(app: App) -> None:
    app.store.put_item("alice/contacts", "c5.vcf", card_data(vcard("c5", "Zygmunt"), "c5"),
                       "alice")
    assert names(app, 0, 100)[-1] == "Zygmunt"


def test_pages_over_two_books_merge_them_in_list_order(app: App) -> None:
    book(app.store, "alice/team")
    for number, name in enumerate(("Bartosz Nowak", "Ámbar Ruiz", "Zenon Kot")):
        app.store.put_item("alice/team", f"t{number}.vcf",
                           card_data(vcard(f"t{number}", name), f"t{number}"), "alice")
    team = app.store.collection("alice/team")
    assert team is not None
    both = [*books(app), Book(team.id, team.path)]
    with app.store.reading() as conn:
        whole = [c.fn for c in list_contacts(conn, both)]
        paged = [c.fn for start in range(0, 9, 2)
                 for c in page_contacts(conn, both, start, 2)]
    assert whole[:3] == ["Ada Lovelace", "adam Smith", "Ámbar Ruiz"]
    assert paged == whole


def test_migration_0015_fills_the_key_of_cards_indexed_before_it(app: App) -> None:
    engine = app.store.engine
    command.downgrade(alembic_config(engine), "0014_occurrences")
    upgrade_to_head(engine)
    with app.store.reading() as conn:
        keys = dict(conn.execute(contact_cards.select().with_only_columns(
            contact_cards.c.fn, contact_cards.c.sort_key)).all())
    assert keys["Łukasz Wójcik"] == "lukasz wojcik"
    assert keys["zoë Adams"] == "zoe adams"


def test_a_page_reads_at_most_offset_plus_limit_cards_of_a_book(app: App) -> None:
    """Issue 16 item 5, "a page never loads the whole book": the page's one query per
    book asks SQL for at most offset + limit rows, and no more rows come back."""
    seen: list[tuple[str, Any]] = []

    def executed(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        if "FROM contact_cards" in statement:
            seen.append((statement, parameters))

    event.listen(app.engine, "before_cursor_execute", executed)
    try:
        with app.store.reading() as conn:
            page = page_contacts(conn, books(app), 2, 2)
    finally:
        event.remove(app.engine, "before_cursor_execute", executed)
    assert len(page) == 2 and len(seen) == 1
    statement, parameters = seen[0]
    assert "LIMIT" in statement and 4 in tuple(parameters)
