"""``python -m bench.put_bounds``: each variant takes away something this tree has, runs
in a process of its own, and the runs of a round alternate their order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench import put_bounds, put_phases


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("put-bounds") / "data"
    put_phases.fill(folder, 10)
    return folder


def test_rounds_alternate_the_order_of_the_variants() -> None:
    assert put_bounds.order(["a", "b", "c"], 3) == ["a", "b", "c", "c", "b", "a",
                                                    "a", "b", "c"]


def test_the_indexes_a_variant_drops_are_in_this_schema(filled: Path) -> None:
    connection = sqlite3.connect(filled / "cms-dav.sqlite3")
    try:
        names = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        connection.close()
    dropped = {statement.removeprefix("DROP INDEX ")
               for statements, _ in put_bounds.VARIANTS.values() for statement in statements}
    assert dropped and dropped <= names


@pytest.mark.parametrize("name", ["as-is", "no-value-rows", "no-field-term-index"])
def test_a_variant_run_stores_every_card_it_measures(filled: Path, tmp_path: Path,
                                                       name: str) -> None:
    found = put_bounds.run(filled, name, 2, tmp_path)
    assert found["variant"] == name
    assert found["statuses"] == {"201 Created": 22}
    assert found["p50_ms"] > 0


def test_alternate_switches_a_patch_by_blocks_and_puts_it_back(filled: Path,
                                                              tmp_path: Path) -> None:
    import shutil

    from cms_dav.store import fts

    feed = fts.feed_many
    folder = tmp_path / "data"
    shutil.copytree(filled, folder)
    found = put_bounds.alternate(folder, "no-trigram-feeds", 2, block=2)
    assert fts.feed_many is feed
    assert found["blocks"] == 2 and 0 <= found["lower_blocks"] <= 2
    assert found["as_is_p50_ms"] > 0 and found["variant_p50_ms"] > 0


def test_only_a_patch_that_acts_on_each_write_is_switched_in_one_process(
        filled: Path) -> None:
    with pytest.raises(ValueError, match="cannot be switched"):
        put_bounds.alternate(filled, "no-field-term-index", 1)


def test_the_note_variant_feeds_every_value_but_notes_and_is_undone() -> None:
    from cms_dav.store import fts

    feeds = fts._FEEDS
    patch = put_bounds.VARIANTS["no-note-value-trigrams"][1]
    assert patch is not None
    undo = patch()
    try:
        assert "prop != 'note'" in fts._FEEDS["contact_values"]
        assert fts._FEEDS["contact_terms"] == feeds["contact_terms"]
    finally:
        undo()
    assert fts._FEEDS is feeds


def copy_with_last_id(filled: Path, tmp_path: Path, table: str) -> tuple[Path, int]:
    """A copy of the filled data folder and the highest id in ``table`` before any PUT."""
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(filled, folder)
    connection = sqlite3.connect(folder / "cms-dav.sqlite3")
    try:
        return folder, connection.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
    finally:
        connection.close()


def test_one_trigram_table_feeds_the_values_into_the_terms_table(filled: Path,
                                                                 tmp_path: Path) -> None:
    """The variant keeps every value's trigrams, in the terms' table under shifted
    rowids, and leaves the values' own table without the new cards' rows."""
    folder, before = copy_with_last_id(filled, tmp_path, "contact_values")
    put_bounds.alternate(folder, "one-trigram-table", 1, block=2)
    connection = sqlite3.connect(folder / "cms-dav.sqlite3")
    try:
        new = connection.execute("SELECT id, value FROM contact_values WHERE id > ? AND "
                                 "length(value) >= 3", (before,)).fetchall()
        assert new
        shift = put_bounds.VALUE_ROWID_SHIFT
        shifted = 0
        for ident, value in new:
            query = '"' + value[:3].replace('"', '""') + '"'
            terms = {rowid for (rowid,) in connection.execute(
                "SELECT rowid FROM contact_terms_trgm WHERE contact_terms_trgm MATCH ?",
                (query,))}
            values = {rowid for (rowid,) in connection.execute(
                "SELECT rowid FROM contact_values_trgm WHERE contact_values_trgm MATCH ?",
                (query,))}
            written_as_is = ident in values
            assert (ident + shift in terms) != written_as_is
            shifted += not written_as_is
        assert 0 < shifted < len(new)  # the variant's block, and the as-is PUTs
    finally:
        connection.close()


def test_one_trigram_row_per_card_indexes_values_and_terms_under_the_item(
        filled: Path, tmp_path: Path) -> None:
    """The variant's cards have one row in the terms' trigram table, under the shifted
    item id, holding the trigrams of their values and of their terms."""
    folder, before = copy_with_last_id(filled, tmp_path, "items")
    put_bounds.alternate(folder, "one-trigram-row-per-card", 1, block=2)
    shift = put_bounds.VALUE_ROWID_SHIFT
    connection = sqlite3.connect(folder / "cms-dav.sqlite3")
    try:
        def rowids(text: str) -> set[int]:
            query = '"' + text[:3].replace('"', '""') + '"'
            return {rowid for (rowid,) in connection.execute(
                "SELECT rowid FROM contact_terms_trgm WHERE contact_terms_trgm MATCH ?",
                (query,))}

        per_card = 0
        for (item,) in connection.execute("SELECT id FROM items WHERE id > ?", (before,)):
            texts = [value for (value,) in connection.execute(
                "SELECT value FROM contact_values WHERE item_id = ? UNION ALL "
                "SELECT term FROM contact_terms WHERE item_id = ?", (item, item))]
            found = [item + shift in rowids(text) for text in texts if len(text) >= 3]
            assert all(found) or not any(found)
            per_card += all(found)
        assert per_card == 2  # the variant's block, not the as-is PUTs
    finally:
        connection.close()


@pytest.mark.parametrize("name, settings", [
    ("fts-automerge-off", {"automerge": 0}),
    ("fts-merges-off", {"automerge": 0, "crisismerge": 64})])
def test_the_fts5_setting_variants_set_their_options_and_put_the_defaults_back(
        filled: Path, tmp_path: Path, name: str, settings: dict[str, int]) -> None:
    """While patched, each trigram table's ``_config`` holds the variant's options; the
    undo writes FTS5's defaults (which the tree's tables use: no row at all)."""
    import shutil

    from cms_dav.store.fts_tables import TRIGRAM_TABLES

    folder = tmp_path / "data"
    shutil.copytree(filled, folder)
    put_bounds._DATABASE[:] = [folder / "cms-dav.sqlite3"]

    def config() -> dict[str, dict[str, int]]:
        connection = sqlite3.connect(folder / "cms-dav.sqlite3")
        try:
            return {fts: {key: value for key, value in connection.execute(
                        f"SELECT k, v FROM {fts}_config") if key != "version"}
                    for fts, _column in TRIGRAM_TABLES.values()}
        finally:
            connection.close()

    assert config() == {fts: {} for fts, _column in TRIGRAM_TABLES.values()}
    undo = put_bounds.VARIANTS[name][1]()  # type: ignore[misc]
    assert config() == {fts: settings for fts, _column in TRIGRAM_TABLES.values()}
    undo()
    assert config() == {fts: {key: put_bounds.FTS5_DEFAULTS[key] for key in settings}
                        for fts, _column in TRIGRAM_TABLES.values()}
    found = put_bounds.alternate(folder, name, 1, block=2)
    assert found["blocks"] == 1
