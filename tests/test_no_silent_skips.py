"""A feature that is expected is asserted, never skipped when absent (issue 11, item 8).

The one skip the suite may take is PostgreSQL's: a server a developer may not run
locally, made mandatory in CI by ``CMS_DAV_REQUIRE_PG=1`` (.ci/run). Everything else the
tests need is installed by ``python3 dev.py test``, so its absence fails the test.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from tests.support import vdirsyncer

ROOT = Path(__file__).resolve().parents[1]
#: pytest calls and marks that skip or excuse a test
SKIPPING = {"skip", "skipif", "importorskip", "xfail"}
#: (file, enclosing function) allowed to skip, and why
ALLOWED = {("tests/conftest.py", "require_pg"): "PostgreSQL is optional outside CI",
           ("tests/web/conftest.py", "chromium"): "Chromium needs root to install; "
                                                  "CMS_DAV_REQUIRE_BROWSER=1 in CI"}


def _skips(path: Path) -> list[tuple[str, int]]:
    """(enclosing function or "<module>", line) of each pytest.skip/skipif/... in a file."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = child.name
            if isinstance(child, ast.Attribute) and child.attr in SKIPPING:
                chain = ast.unparse(child.value)
                if chain in ("pytest", "pytest.mark"):
                    found.append((name, child.lineno))
            visit(child, name)

    visit(ast.parse(path.read_text(encoding="utf-8")), "<module>")
    return found


def test_no_test_skips_or_excuses_itself_except_for_an_absent_postgresql() -> None:
    unexpected = [f"{path.relative_to(ROOT)}:{line} in {function}"
                  for path in sorted((ROOT / "tests").rglob("*.py"))
                  for function, line in _skips(path)
                  if (str(path.relative_to(ROOT)), function) not in ALLOWED]
    assert unexpected == []


def test_the_scan_finds_the_allowed_postgresql_skip() -> None:
    assert [function for function, _ in _skips(ROOT / "tests" / "conftest.py")] == [
        "require_pg"]


def test_vdirsyncer_is_a_test_dependency_and_installed() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    test_extra = pyproject["project"]["optional-dependencies"]["test"]
    assert any(requirement.startswith("vdirsyncer") for requirement in test_extra)
    assert vdirsyncer.VDIRSYNCER is not None


def test_a_missing_vdirsyncer_fails_the_test_instead_of_skipping(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vdirsyncer, "VDIRSYNCER", None)
    with pytest.raises(pytest.fail.Exception, match="vdirsyncer is missing"):
        vdirsyncer.vdirsyncer_path()
