"""JSON output: stable keys, the same numbers as the CSV, files, limits and paging."""

from __future__ import annotations

import json

import pytest

from cms_dav.reports import cards
from tests.reports.conftest import Reported, parse_csv

TOP_KEYS = ["generated_at", "user", "address_books", "cards", "parameters", "sections"]
SECTION_KEYS = ["title", "columns", "rows", "total", "note"]


@pytest.fixture(scope="module")
def report(reported: Reported) -> dict:
    return json.loads(reported.run("--all", "--format", "json"))


def test_json_has_stable_top_level_and_section_keys(report):
    assert list(report) == TOP_KEYS
    assert all(list(section) == SECTION_KEYS for section in report["sections"].values())


def test_json_rows_are_keyed_by_the_section_columns(report):
    for section in report["sections"].values():
        assert all(list(row) == section["columns"] for row in section["rows"])


def test_json_numbers_equal_the_csv_numbers(reported, report):
    sections = parse_csv(reported.run("--all", "--format", "csv"))
    for key, section in report["sections"].items():
        header, rows = sections[key]
        assert header == section["columns"]
        as_text = [["'" + v if isinstance(v, str) and v.startswith(("=", "+", "-", "@"))
                    else str(v)
                    for v in row.values()] for row in section["rows"]]
        assert as_text == rows, key


def test_output_writes_the_report_to_a_file(reported, tmp_path):
    target = tmp_path / "report.json"
    reported.run("--all", "--format", "json", "--output", str(target))
    assert json.loads(target.read_text("utf-8"))["cards"] == len(reported.people) + 1


def test_limit_cuts_a_list_but_the_total_still_counts_everyone(reported):
    small = json.loads(reported.run("--all", "--format", "json", "--limit", "2"))
    full = json.loads(reported.run("--all", "--format", "json"))
    cut, whole = small["sections"]["no_phone"], full["sections"]["no_phone"]
    assert (len(cut["rows"]), cut["total"]) == (2, len(whole["rows"]))
    assert cut["rows"] == whole["rows"][:2]


def test_paging_through_cards_in_small_pages_gives_the_same_numbers(reported, monkeypatch):
    whole = json.loads(reported.run("--all", "--format", "json"))
    monkeypatch.setattr(cards, "PAGE", 4)
    paged = json.loads(reported.run("--all", "--format", "json"))
    assert paged["sections"] == whole["sections"]


def test_table_format_is_the_default_and_names_every_section(reported, report):
    text = reported.run("--all")
    assert all(section["title"] in text for section in report["sections"].values())
