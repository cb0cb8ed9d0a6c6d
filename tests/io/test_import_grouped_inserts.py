"""``cms-dav import`` with no webhook listening writes each batch's new cards together
(``Store.put_items``' grouped INSERT, issue 19 target 5): every table, the index,
trigram, field and segment rows included, ends as writing them one by one leaves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cms_dav.app import build_app
from cms_dav.config import load_settings
from cms_dav.io import importer
from cms_dav.io.import_sources import read_source
from cms_dav.io.importer import ImportReport, import_source
from cms_dav.io.stored_items import item_data
from cms_dav.store.segment_table import SegmentRecord
from cms_dav.store.store import Store
from tests.io.test_import_batch_write import BOOK, _card, _csv, _tables


def _imported(data_dir: Path, grouped: bool, monkeypatch: pytest.MonkeyPatch,
              groups: list[int]) -> tuple[ImportReport, dict[str, list[tuple[Any, ...]]]]:
    with build_app(load_settings(data_dir)) as app:
        app.store.group_inserts = grouped
        app.store.ensure_folder("alice", "admin")
        app.store.replace_collection(BOOK, {"tag": "VADDRESSBOOK"}, [], "admin")
        for number in (1, 2):
            card = _card(f"stored-{number}", f"Stored {number}",
                         f"stored.{number}@example.com")
            app.store.put_item(BOOK, f"stored-{number}.vcf",
                               item_data(card, "VADDRESSBOOK", BOOK), "alice")
        app.segments.define(SegmentRecord("everyone", "user:alice", (BOOK,), {}), "admin")
        app.segments.bring_home_up_to_date("alice")
        with monkeypatch.context() as patch:
            patch.setattr(importer, "BATCH", 7)  # several batches, one merge across two
            write_rows = Store._put_rows

            def counted(self: Store, *args: Any, grouped: bool) -> Any:
                answers = write_rows(self, *args, grouped=grouped)
                if grouped:
                    groups.append(len(answers))
                return answers
            patch.setattr(Store, "_put_rows", counted)
            source = read_source(_csv(), "csv", filename="people.csv")
            report = import_source(app.store, BOOK, source, actor="alice")
        return report, _tables(app)


def test_a_grouped_import_reports_and_leaves_every_table_as_one_by_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    groups: list[int] = []
    each_report, each_tables = _imported(tmp_path / "each", False, monkeypatch, groups)
    assert not groups
    grouped_report, grouped_tables = _imported(tmp_path / "grouped", True, monkeypatch,
                                               groups)
    assert len(groups) > 3  # most batches went grouped
    assert grouped_report == each_report
    assert each_report.created and each_report.updated and each_report.rejected
    assert each_tables["contact_terms_trgm"] and each_tables["changes"]
    for name, rows in each_tables.items():
        assert grouped_tables[name] == rows, name
