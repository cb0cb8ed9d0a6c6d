"""The composition root's read-only subset: :func:`cms_dav.app.build_reader` gives a
read-only command (``cms-dav search``) the same engine, policy and fields as the App,
so it finds exactly what the App's doors find (issue 19 target 5: CLI start-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_dav.app import App, Reader, build_reader
from cms_dav.config import load_settings
from cms_dav.contacts.contact_search import SearchRequest, search_contacts
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import is_current
from tests.contacts.index_support import app_with_names

NAMES = ("Łukasz Wójcik", "Zofia Nowak", "Zhang Wei", "Ada Lovelace")
QUERIES = ("wojcik", "zhang wei", "a")


def app_finds(app: App, user: str | None, query: str) -> list[tuple[str, float]]:
    with app.store.reading() as conn:
        return [(c.fn, c.score) for c in search_contacts(
            conn, app.policy, app.fields.fields(), app.settings.default_region, user,
            SearchRequest(query=query))]


def reader_finds(reader: Reader, user: str | None, query: str) -> list[tuple[str, float]]:
    with reader.reading() as conn:
        return [(c.fn, c.score) for c in search_contacts(
            conn, reader.policy, reader.fields.fields(), reader.settings.default_region,
            user, SearchRequest(query=query))]


@pytest.mark.parametrize("user", ["alice", "bob", None])
def test_a_reader_finds_what_the_app_finds(tmp_path: Path, user: str | None) -> None:
    app = app_with_names(tmp_path / "var", NAMES, "Team")
    try:
        expected = {query: app_finds(app, user, query) for query in QUERIES}
    finally:
        app.close()
    assert expected["wojcik"] or user == "bob"  # bob may read none of alice's cards
    with build_reader(load_settings(tmp_path / "var")) as reader:
        assert {query: reader_finds(reader, user, query) for query in QUERIES} == expected


def test_a_reader_on_a_new_data_dir_migrates_its_database(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "var")
    with build_reader(settings) as reader:
        assert reader_finds(reader, None, "anyone") == []
    engine = open_engine(settings.database_url)
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
