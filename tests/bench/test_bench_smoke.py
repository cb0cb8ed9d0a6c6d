"""The benchmark runs end to end at a tiny size and reports every operation.

Timings are never asserted: only that each row exists and carries a number (or,
for the cms_dav-only CLI rows, says why it has none), and that each issue-6 target
gets the verdict a single run at 20 contacts allows: "not run at N" for a target stated
for another size, "unknown" for the flat targets (they need two sizes), met or not
met for the multiget floor.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench.run import BULK_PUTS, OPERATIONS
from bench.targets import TARGETS
from tests.support.processes import run_whole_group

#: two benchmark runs: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

DAV_ROWS = ["bulk_put_1", "bulk_put_4", "propfind_d1", "sync_initial", "sync_incremental",
            "sync_unchanged", "multiget_100", "multiget_all", "query_fn", "query_email",
            "substring_fn", "substring_n", "substring_org", "substring_email",
            "calendar_month", "get_p50", "get_p95", "put_p50", "put_p95", "peak_memory", "disk"]
CLI_ROWS = ["cli_import", "cli_search"]


def _bench(tmp_path_factory: pytest.TempPathFactory, name: str, *options: str) -> Path:
    """The results folder of ``python -m bench`` at 20 contacts with ``options``. The
    timeout only guards against a hang (a neighbouring xdist worker may slow the run);
    on it the bench and its servers are killed together."""
    out = tmp_path_factory.mktemp(f"{name}-results")
    work = tmp_path_factory.mktemp(f"{name}-work")
    run_whole_group([sys.executable, "-m", "bench", "--sizes", "20", "--repeats", "1",
                     "--samples", "3", "--cap", "20", *options, "--out", str(out),
                     "--workdir", str(work)], cwd=REPO, timeout=240)
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bench(tmp_path_factory, "bench")


def _rows(results: Path) -> dict[str, dict]:
    latest = json.loads((results / "latest.json").read_text(encoding="utf-8"))
    (run,) = latest["runs"]
    return {row["key"]: row for row in run["rows"]}


def test_json_has_a_row_for_every_operation(results: Path) -> None:
    assert set(DAV_ROWS + CLI_ROWS + ["multiget_floor"]) <= set(_rows(results))


@pytest.mark.parametrize("server", ["radicale", "cms_dav"])
def test_every_dav_operation_has_a_number_for_both_servers(results: Path, server: str) -> None:
    rows = _rows(results)
    missing = {key: rows[key]["notes"].get(server) for key in DAV_ROWS
               if not isinstance(rows[key]["values"].get(server), (int, float))}
    assert missing == {}


def test_cli_rows_have_a_number_or_say_why_not(results: Path) -> None:
    rows = _rows(results)
    for key in CLI_ROWS:
        value, note = rows[key]["values"].get("cms_dav"), rows[key]["notes"].get("cms_dav", "")
        assert isinstance(value, (int, float)) or note.startswith("n/a"), (key, note)


def test_markdown_table_lists_every_operation_with_a_ratio(results: Path) -> None:
    (per_size,) = results.glob("20-*.md")
    table = per_size.read_text(encoding="utf-8")
    rows = _rows(results)
    for key in DAV_ROWS:
        line = next(line for line in table.splitlines()
                    if line.startswith(f"| {rows[key]['label']} |"))
        assert "×" in line, line


def _summary(results: Path) -> list[dict]:
    return json.loads((results / "latest.json").read_text(encoding="utf-8"))["summary"]


def test_every_target_is_listed_once_for_cms_dav(results: Path) -> None:
    listed = [(item["row"], item["target"]) for item in _summary(results)]
    assert listed == [(target.row, target.text) for target in TARGETS]


def test_a_target_for_a_size_that_was_not_run_says_so_and_still_shows_the_verdict_at_20(
        results: Path) -> None:
    sized = [(item, target) for item, target in zip(_summary(results), TARGETS, strict=True)
             if target.size is not None]
    assert sized
    for item, target in sized:
        assert item["status"] == f"not run at {target.size:,}", item
        assert item["detail"].startswith("at 20"), item
        assert item["detail"].endswith(("(met)", "(not met)")), item


def test_a_flat_target_needs_two_sizes(results: Path) -> None:
    flat = [item for item, target in zip(_summary(results), TARGETS, strict=True)
            if target.kind == "flat"]
    assert flat and all((item["status"], item["detail"]) == ("unknown", "needs two sizes")
                        for item in flat), flat


def test_the_multiget_floor_target_is_judged_at_the_size_run(results: Path) -> None:
    (item,) = [item for item, target in zip(_summary(results), TARGETS, strict=True)
               if target.kind == "floor" and target.size is None]
    assert item["status"] in ("met", "not met"), item
    assert item["detail"].startswith("at 20: ") and "from memory" in item["detail"], item


#: what a ``--fill whole`` run is about: the fill replacing the bulk PUTs and every read
#: after it. The cms_dav-only CLI rows (an import and a search, each a process of its
#: own) do not depend on the fill; the first run covers them.
WHOLE_FILL_OPERATIONS = [op.key for op in OPERATIONS
                         if op.key not in BULK_PUTS and not op.cms_only]


@pytest.fixture(scope="module")
def whole_fill_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bench(tmp_path_factory, "bench-whole", "--fill", "whole",
                  "--only", ",".join(WHOLE_FILL_OPERATIONS))


@pytest.mark.parametrize("server", ["radicale", "cms_dav"])
def test_fill_whole_reports_the_bulk_puts_as_skipped(whole_fill_results: Path,
                                                      server: str) -> None:
    rows = _rows(whole_fill_results)
    skipped = {key: (rows[key]["values"].get(server), rows[key]["notes"].get(server))
               for key in ["bulk_put_1", "bulk_put_4"]}
    assert skipped == {key: (None, "skipped (--fill whole)") for key in skipped}


@pytest.mark.parametrize("server", ["radicale", "cms_dav"])
def test_fill_whole_still_measures_every_read_on_a_full_book(whole_fill_results: Path,
                                                             server: str) -> None:
    rows = _rows(whole_fill_results)
    missing = {key: rows[key]["notes"].get(server) for key in DAV_ROWS[2:]
               if not isinstance(rows[key]["values"].get(server), (int, float))}
    assert missing == {}


def test_per_size_json_records_the_command_for_combine(results: Path) -> None:
    (per_size,) = results.glob("20-*.json")
    command = json.loads(per_size.read_text(encoding="utf-8"))["command"]
    assert command.startswith("python -m bench --sizes 20 ")


def test_the_bulk_put_with_two_workers_has_a_rate_for_cms_dav_only(results: Path) -> None:
    row = _rows(results)["bulk_put_4_w2"]
    assert isinstance(row["values"].get("cms_dav"), (int, float)), row["notes"]
    assert row["notes"].get("radicale", "").startswith("n/a"), row["notes"]


@pytest.fixture(scope="module")
def load_fill_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bench(tmp_path_factory, "bench-load", "--fill", "load", "--only",
                  "get,put,substring_fn,multiget_all")


@pytest.mark.parametrize("server", ["radicale", "cms_dav"])
def test_fill_load_skips_the_bulk_puts_and_measures_the_reads_on_a_full_book(
        load_fill_results: Path, server: str) -> None:
    rows = _rows(load_fill_results)
    skipped = {key: (rows[key]["values"].get(server), rows[key]["notes"].get(server))
               for key in ["bulk_put_1", "bulk_put_4"]}
    assert skipped == {key: (None, "skipped (--fill load)") for key in skipped}
    missing = {key: rows[key]["notes"].get(server)
               for key in ["get_p50", "put_p50", "substring_fn", "multiget_all"]
               if not isinstance(rows[key]["values"].get(server), (int, float))}
    assert missing == {}


def test_each_timed_step_records_the_servers_cpu_and_run_queue_wait(results: Path) -> None:
    row = _rows(results)["substring_fn"]
    for server in ["radicale", "cms_dav"]:
        steps = len(row["samples"][server])
        assert len(row["cpu"][server]) == len(row["runq_wait"][server]) == steps
        assert len(row["busy_before"][server]) == steps
