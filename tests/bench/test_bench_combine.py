"""``python -m bench --combine``: latest.md/json rebuilt from per-size JSON, no servers run.

Timings are never asserted; the numbers below are made up.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import report, run
from bench.rows import Row


def _result(size: int, timestamp: str, command: str = "") -> report.SizeResult:
    propfind = Row("propfind_d1", "PROPFIND Depth 1 (getetag)", "s",
                   values={"radicale": 2.0, "cms_dav": 0.05},
                   samples={"radicale": [2.0, 2.1, 1.9], "cms_dav": [0.05, 0.04, 0.06]})
    bulk = Row("bulk_put_1", "bulk PUT of all cards, 1 client", "s",
               values={"radicale": None, "cms_dav": 20.0},
               notes={"radicale": "capped; repeat 1 capped: 697 of 1,000 in 30 s"},
               at_least={"radicale": 43.1}, samples={"radicale": [], "cms_dav": [20.0]})
    get_p95 = Row("get_p95", "GET one card: p95", "s",
                  values={"radicale": 0.003, "cms_dav": 0.004},
                  notes={"cms_dav": "60 samples"})
    memory = Row("peak_memory", "server peak memory (VmHWM)", "bytes",
                 values={"radicale": 55e6, "cms_dav": 107e6})
    return report.SizeResult(
        size=size, timestamp=timestamp,
        servers={"radicale": "Radicale 3.9", "cms_dav": "cms_dav (SQLite)"},
        settings={"repeats": 3, "quick": True, "time cap (s)": 30.0, "seed": 6},
        machine={"cpus": 2, "python": "3.11.7", "load average at start": "0.9 1.1 1.4"},
        rows=[bulk, propfind, get_p95, memory], notes=["Radicale 3.9: completed after the cap"],
        command=command)


def _write_json(path: Path, result: report.SizeResult) -> Path:
    path.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["", "python -m bench --sizes 1000 --quick"])
def test_json_round_trip_gives_the_same_result_and_markdown(command: str) -> None:
    result = _result(1000, "20261122T201947Z", command)
    again = report.SizeResult.from_json(json.loads(json.dumps(result.to_json())))
    assert again == result
    assert report.size_markdown(again) == report.size_markdown(result)
    assert again.to_json() == result.to_json()
    assert ("command" in result.to_json()) == bool(command)


def test_row_round_trip() -> None:
    row = _result(1000, "t").rows[0]
    assert Row.from_json(json.loads(json.dumps(row.to_json()))) == row


def test_combine_rebuilds_latest_and_leaves_the_inputs_alone(tmp_path: Path) -> None:
    # unsorted on the command line, one file from before commands were recorded
    big = _write_json(tmp_path / "10000-20261122T202226Z.json",
                      _result(10_000, "20261122T202226Z", "python -m bench --sizes 10k"))
    small = _write_json(tmp_path / "1000-20261122T201947Z.json",
                        _result(1000, "20261122T201947Z"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    assert run.main(["--combine", str(big), str(small), "--out", str(tmp_path)]) == 0

    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*before, "latest.md", "latest.json"])
    latest = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert f"Command: `python -m bench --combine {big} {small} --out {tmp_path}`" in latest
    assert "`python -m bench --sizes 10k`" in latest
    assert "command not recorded" in latest
    assert "## Targets (issues 6 and 19)" in latest
    assert "| PROPFIND Depth 1 (getetag) | cms_dav (SQLite) |" in latest
    assert (latest.index("### 1,000 contacts (20261122T201947Z)")
            < latest.index("### 10,000 contacts (20261122T202226Z)"))
    combined = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert [r["size"] for r in combined["runs"]] == [1000, 10_000]
    assert combined["runs"][1]["command"] == "python -m bench --sizes 10k"
    assert combined["summary"]


def test_combine_refuses_two_files_of_one_size(tmp_path: Path) -> None:
    one = _write_json(tmp_path / "a.json", _result(1000, "1"))
    two = _write_json(tmp_path / "b.json", _result(1000, "2"))
    with pytest.raises(SystemExit, match="both 1,000 contacts"):
        run.main(["--combine", str(one), str(two), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_combine_refuses_a_file_that_is_not_a_size_result(tmp_path: Path) -> None:
    latest = tmp_path / "latest.json"
    latest.write_text('{"command": "x", "summary": [], "runs": []}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="not a per-size result file"):
        run.main(["--combine", str(latest), "--out", str(tmp_path / "out")])


def test_combine_and_sizes_do_not_go_together(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run.parse_args(["--sizes", "1000", "--combine", str(tmp_path / "a.json")])


def test_only_takes_known_operation_keys() -> None:
    assert run.parse_args(["--only", "get,substring_n"]).only == {"get", "substring_n"}
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "get,no_such_operation"])


def test_an_operation_left_out_by_only_has_rows_that_say_so() -> None:
    op = next(op for op in run.OPERATIONS if op.key == "get")
    state = SimpleNamespace(key="cms_dav")
    rows = run._skipped_rows(op, [state], run.NOT_SELECTED)  # type: ignore[list-item]
    assert [row.key for row in rows] == ["get_p50", "get_p95"]
    assert all(row.notes["cms_dav"] == "not run (--only)" for row in rows)
