"""``cms-dav import`` runs without the collector's full collections
(:mod:`cms_dav.cli.bulk_collector`, issue 19 target 5): everything an import holds lives
until its end, and the full collections that walked it found nothing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cms_dav.cli import importing
from cms_dav.cli.bulk_collector import no_full_collections
from tests.io.support import run_cli
from tests.io.test_import_batch_write import _csv
from tests.io.test_import_read_ahead import _cli_import


@contextmanager
def _full_collections() -> Iterator[list[int]]:
    """The number of full collections that start inside the block (as one element)."""
    runs = [0]

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            runs[0] += 1

    gc.callbacks.append(count)
    try:
        yield runs
    finally:
        gc.callbacks.remove(count)


def _keep_allocating_until_a_full_collection(kept: list[Any], limit: int) -> int:
    """Containers kept alive, one by one, until a full collection starts (at most
    ``limit``): how many it took."""
    with _full_collections() as runs:
        for made in range(1, limit + 1):
            kept.append([])
            if runs[0]:
                return made
    return limit


def test_no_full_collection_runs_inside_while_long_lived_objects_pile_up() -> None:
    gc.collect()
    kept: list[Any] = []
    needed = _keep_allocating_until_a_full_collection(kept, 5_000_000)
    assert needed < 5_000_000  # outside: the collector does run a full collection
    gc.collect()
    kept.clear()
    with no_full_collections(), _full_collections() as runs:
        kept.extend([] for _ in range(2 * needed))
        young_cycle: list[Any] = []
        young_cycle.append(young_cycle)
    assert runs == [0]


def test_the_collector_thresholds_are_restored_after_the_block() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), no_full_collections():
        raise RuntimeError("an import that failed")
    assert gc.get_threshold() == before


def test_an_import_runs_with_full_collections_off_and_restores_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the import runs (its rows read and written) full collections are off;
    afterwards the thresholds are as they were."""
    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    original = importing.import_source

    def spied(*positional: Any, **named: Any) -> Any:
        seen.append(gc.get_threshold())
        return original(*positional, **named)

    monkeypatch.setattr(importing, "import_source", spied)
    report, _ = _cli_import(tmp_path / "book", _csv())
    assert len(seen) == 1 and seen[0][2] > 10 ** 6
    assert gc.get_threshold() == before
    assert report["created"] > 0


def test_an_import_that_fails_restores_the_collector(tmp_path: Path) -> None:
    from cms_dav.app import build_app
    from cms_dav.config import load_settings
    from tests.io.test_import_batch_write import _prepare

    with build_app(load_settings(tmp_path)) as app:
        _prepare(app)
    before = gc.get_threshold()
    source = tmp_path / "people.csv"
    source.write_bytes(_csv())
    result = run_cli(tmp_path, "import", str(source), "--into", "/alice/missing/", ok=False)
    assert result.exit_code != 0 and "no collection /alice/missing/" in result.output
    assert gc.get_threshold() == before
