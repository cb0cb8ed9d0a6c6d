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
