"""``python -m bench.put_pages``: each measured PUT is one write commit on an emptied WAL,
and the pages it wrote are named by the b-trees a new card's rows go to."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from bench import put_pages, put_phases


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("put-pages") / "data"
    put_phases.fill(folder, 20)
    return put_pages.measure(folder, 4)


def test_each_measured_put_is_one_write_commit(measured: dict[str, object]) -> None:
    assert measured["statuses"] == {"201 Created": 24}
    assert measured["commits_per_put"] == 1


def test_the_card_index_b_trees_are_among_the_pages_written(
        measured: dict[str, object]) -> None:
    rows = measured["by_btree"]
    assert isinstance(rows, list)
    names = {row["name"] for row in rows}
    assert {"items", "contact_terms", "ix_contact_terms_field_term",
            "contact_values", "ix_contact_values_prop"} <= names
    assert sum(row["pages"] for row in rows) == pytest.approx(measured["pages_per_put"])


def test_frames_after_a_wal_restart_are_not_counted(tmp_path: Path) -> None:
    page_size = 512
    header = struct.pack(">IIII", 0x377F0682, 3007000, page_size, 0) + b"SALTSALT" + bytes(8)

    def frame(page: int, salts: bytes) -> bytes:
        return struct.pack(">II", page, 0) + salts + bytes(8) + bytes(page_size)

    wal = tmp_path / "x-wal"
    wal.write_bytes(header + frame(7, b"SALTSALT") + frame(9, b"OLD-SALT"))
    assert put_pages.wal_frames(wal) == [(7, False)]
