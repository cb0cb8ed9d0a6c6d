"""Migration 0020_disk_unused_index (issue 19 target 7, data on disk): the contact
index no query reads is gone on both backends, the schema module declares what the
migrations make, and a downgrade brings it back."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select

from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import _config as alembic_config
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.schema import contact_cards, contact_terms

DROPPED = {("contact_terms", "ix_contact_terms_term")}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    upgrade_to_head(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def indexes(engine: Engine) -> set[tuple[str, str]]:
    """The indexes of the two tables, without PostgreSQL's pg_trgm index (made by
    0012_trigram outside the schema module, cms_dav.contacts.trigram)."""
    found = inspect(engine)
    return {(table, str(ix["name"])) for table in ("contact_terms", "contact_cards")
            for ix in found.get_indexes(table) if not str(ix["name"]).endswith("_trgm")}


def test_the_migrated_contact_tables_have_exactly_the_indexes_the_schema_declares(
        engine: Engine) -> None:
    declared = {(table.name, str(ix.name)) for table in (contact_terms, contact_cards)
                for ix in table.indexes}
    assert indexes(engine) == declared
    assert not DROPPED & declared


def test_a_downgrade_before_0020_brings_back_the_index_and_an_upgrade_drops_it(
        engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0019_web_sorted_terms")
    assert DROPPED <= indexes(engine)
    upgrade_to_head(engine)
    assert not DROPPED & indexes(engine)


def test_a_card_by_id_within_one_book_is_a_seek_not_a_walk_of_the_book(
        tmp_path: Path) -> None:
    """Why ix_contact_cards_collection_id stays: the ranking reads found cards by id
    within the books searched, and with one book SQLite seeks (collection_id, rowid)
    on it; without it, it walked every card of the book on another index."""
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade_to_head(engine)
    cards = contact_cards.c
    query = select(cards.item_id, cards.sort_key).where(
        cards.collection_id.in_([1]), cards.is_group.is_(False), cards.item_id.in_([5, 6]))
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    try:
        with engine.connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}"))
    finally:
        engine.dispose()
    assert "rowid=?" in plan, plan
