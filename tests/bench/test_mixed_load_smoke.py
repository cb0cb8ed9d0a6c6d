"""``python -m bench.mixed_load`` runs end to end with tiny numbers and reports every
operation of the mix for each setup. Timings are never asserted, only that they exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

#: a benchmark run: handed to an xdist worker before the quick files (tests/conftest.py),
#: not last with the other one-test files, where it would keep one worker busy alone
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_mixed_load_reports_each_setup_and_operation_without_errors(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "bench.mixed_load", "--clients", "2",
                    "--duration", "1", "--cards", "10", "--out", str(tmp_path)],
                   cwd=REPO, check=True, capture_output=True, timeout=180)
    [report_file] = tmp_path.glob("mixed-*.json")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert [row["setup"] for row in report["results"]] == ["sqlite-w1", "sqlite-w2"]
    for row in report["results"]:
        assert row["errors"] == 0, row["first_errors"]
        assert set(row["operations"]) == {"propfind", "sync", "multiget", "get", "put"}
        assert all(op["count"] > 0 for op in row["operations"].values()), row["operations"]
    assert "| sqlite-w2 | 2 |" in next(tmp_path.glob("mixed-*.md")).read_text(encoding="utf-8")
