"""The static gate of ``python3 dev.py test`` (issue 11, item 7): ruff and mypy run after
pip-audit and before pytest, a finding of either fails the run, and the configuration in
pyproject.toml holds what the README promises (strict typing for the store, contact and
ACL layers; every ``type: ignore`` names its error code and says why).
"""

from __future__ import annotations

import re
import subprocess
import tokenize
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from mypy.main import process_options
from mypy.options import PER_MODULE_OPTIONS

import dev

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MYPY = PYPROJECT["tool"]["mypy"]
STRICT_PACKAGES = ("cms_dav.store", "cms_dav.contacts", "cms_dav.acl", "cms_dav.api")
#: ``# type: ignore[code, code]  # why`` with at least one word of reason
IGNORE_WITH_REASON = re.compile(r"# type: ignore\[[a-z-]+(, ?[a-z-]+)*\]  # \S.*")


class Calls:
    """Stands in for ``subprocess.call`` in dev.py: records which tool ran, answers
    with the exit code set for it (0 unless told)."""

    def __init__(self, exit_codes: dict[str, int] | None = None) -> None:
        self.exit_codes = exit_codes or {}
        self.tools: list[str] = []

    def __call__(self, command: list[str], cwd: Path | None = None) -> int:
        tool = command[2]  # python -m TOOL ...
        self.tools.append(tool)
        return self.exit_codes.get(tool, 0)


@pytest.fixture
def audited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev, "audit", lambda: 0)
    monkeypatch.setattr(dev, "ensure_browser", lambda: None)  # no apt-get from a test


def test_the_test_command_runs_ruff_then_mypy_then_pytest(
        audited: None, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls()
    monkeypatch.setattr(dev.subprocess, "call", calls)
    assert dev.test(["-x"]) == 0
    assert calls.tools == ["ruff", "mypy", "pytest"]


@pytest.mark.parametrize("failing", ["ruff", "mypy"])
def test_a_static_finding_fails_the_run_before_pytest_starts(
        audited: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        failing: str) -> None:
    calls = Calls({failing: 1})
    monkeypatch.setattr(dev.subprocess, "call", calls)
    assert dev.test([]) == 1
    assert calls.tools == ["ruff", "mypy"]  # both report, so one run shows every finding
    assert f"static checks failed: {failing} (exit 1)" in capsys.readouterr().out


def test_the_suite_runs_whole_files_in_one_parallel_worker_per_core_in_conftest_order(
        ) -> None:
    assert dev.pytest_args(["-x"], cores=4) == ["-n", "4", "--dist", "loadfile",
                                                "--no-loadscope-reorder", "-x"]


def test_a_single_core_still_gets_two_workers_as_tests_mostly_wait_for_servers() -> None:
    assert dev.pytest_args([], cores=1)[:2] == ["-n", "2"]


@pytest.mark.parametrize("chosen", [["-n", "0"], ["-n2"], ["--numprocesses=3"],
                                    ["-p", "no:xdist"]])
def test_a_callers_own_parallelism_is_left_alone(chosen: list[str]) -> None:
    assert dev.pytest_args([*chosen, "tests/test_app.py"], cores=4) == [
        *chosen, "tests/test_app.py"]


def test_a_failed_audit_stops_the_run_before_the_static_checks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls()
    monkeypatch.setattr(dev, "audit", lambda: 1)
    monkeypatch.setattr(dev.subprocess, "call", calls)
    assert dev.test([]) == 1
    assert calls.tools == []


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    """A tiny project with this repository's pyproject.toml and the given files."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for package in ("cms_dav", "cms_dav/store", "cms_dav/io", "plugins/cms_dav_plugins"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "dev.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _run(tmp_path: Path, *tool: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(dev._python()), "-m", *tool], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


def test_ruff_with_the_project_rules_refuses_a_mutable_default_argument(tmp_path: Path) -> None:
    project = _project(tmp_path, {"cms_dav/io/shared.py": "def add(x, seen=[]):\n"
                                                          "    seen.append(x)\n"
                                                          "    return seen\n"})
    result = _run(project, "ruff", "check", "--no-cache")
    assert result.returncode == 1 and "B006" in result.stdout, result.stdout


def test_ruff_with_the_project_rules_refuses_a_bare_type_ignore(tmp_path: Path) -> None:
    project = _project(tmp_path, {"cms_dav/io/loose.py": "x: int = 'a'  # type: ignore\n"})
    result = _run(project, "ruff", "check", "--no-cache")
    assert result.returncode == 1 and "PGH003" in result.stdout, result.stdout


UNTYPED = "def twice(value):\n    return value * 2\n"


def test_mypy_is_strict_in_the_store_and_refuses_an_untyped_function(tmp_path: Path) -> None:
    project = _project(tmp_path, {"cms_dav/store/twice.py": UNTYPED})
    result = _run(project, "mypy", "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 1 and "[no-untyped-def]" in result.stdout, result.stdout


def test_mypy_checks_the_rest_with_default_settings_plus_untyped_bodies(tmp_path: Path) -> None:
    project = _project(tmp_path, {"cms_dav/io/twice.py": UNTYPED,
                                  "cms_dav/io/wrong.py": "def f(x):\n    return len(5)\n"})
    result = _run(project, "mypy", "--cache-dir", str(tmp_path / "cache"))
    assert "twice.py" not in result.stdout, result.stdout  # untyped is allowed here
    assert result.returncode == 1 and 'wrong.py:2: error: Argument 1 to "len"' in result.stdout


def test_the_strict_override_enables_every_flag_of_mypy_strict() -> None:
    """mypy's ``strict`` key is global even inside an override, so the override lists
    the per-module flags ``--strict`` stands for; a new mypy may add one."""
    _, strict = process_options(["--strict", "x.py"])
    _, default = process_options(["x.py"])
    wanted = {flag: getattr(strict, flag) for flag in sorted(PER_MODULE_OPTIONS)
              if getattr(strict, flag) != getattr(default, flag)}
    (override,) = [o for o in MYPY["overrides"] if o.get("disallow_untyped_defs")]
    assert {flag: override.get(flag) for flag in wanted} == wanted
    assert set(override["module"]) == {name + suffix for name in STRICT_PACKAGES
                                       for suffix in ("", ".*")}


def _comments(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("rb") as handle:
        for token in tokenize.tokenize(handle.readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string


def _checked_files() -> list[Path]:
    files: list[Path] = []
    for entry in MYPY["files"]:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def test_every_type_ignore_in_checked_code_names_its_code_and_says_why() -> None:
    bare = [f"{path.relative_to(ROOT)}:{line}: {comment}"
            for path in _checked_files() for line, comment in _comments(path)
            if "type: ignore" in comment
            and not IGNORE_WITH_REASON.search(comment[comment.index("# type: ignore"):])]
    assert bare == []


@pytest.mark.parametrize("comment, accepted", [
    ("# type: ignore[override]  # Radicale's signature is untyped", True),
    ("# type: ignore[arg-type, misc]  # both bases define name", True),
    ("# type: ignore[override]", False),
    ("# type: ignore", False),
    ("# type: ignore[override]  #", False),
])
def test_the_reason_rule_itself(comment: str, accepted: bool) -> None:
    assert bool(IGNORE_WITH_REASON.search(comment)) is accepted


def test_the_checked_files_are_found() -> None:
    names = {str(path.relative_to(ROOT)) for path in _checked_files()}
    assert {"dev.py", "cms_dav/store/store.py", "plugins/cms_dav_plugins/storage.py"} <= names
