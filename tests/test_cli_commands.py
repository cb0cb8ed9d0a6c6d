"""The ``cms-dav`` command line: every documented command is there, or it does not start."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cms_dav.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def documented_commands() -> list[tuple[str, ...]]:
    """Command paths named in the first cell of the README's command table, alternatives
    (``add\\|passwd``) expanded: ("user", "add"), ("group", "collection", "add")..."""
    section = README.read_text(encoding="utf-8").split("## Command line", 1)[1]
    section = section.split("\n## ", 1)[0]
    found: list[tuple[str, ...]] = []
    for row in re.findall(r"^\| (`.*?) \|", section, re.MULTILINE):
        for span in re.findall(r"`([^`]+)`", row):
            words = span.removeprefix("cms-dav ").split()
            found += _expand(cli, words, ())
    return found


def _expand(command: click.Command, words: list[str], path: tuple[str, ...]
            ) -> list[tuple[str, ...]]:
    if not words or not isinstance(command, click.Group) or not re.fullmatch(
            r"[a-z][a-z-]*(\\\|[a-z][a-z-]*)*", words[0]):
        return [path]
    names = words[0].split("\\|")
    paths = [path + (name,) for name in names]
    first = subcommand(command, names[0])
    if first is None:
        return paths  # reported as missing by the test
    return paths[1:] + _expand(first, words[1:], paths[0])


def subcommand(group: click.Group, name: str) -> click.Command | None:
    """The command ``name`` of ``group`` as click finds it (importing a lazy one)."""
    with click.Context(group) as ctx:
        return group.get_command(ctx, name)


def resolve(path: tuple[str, ...]) -> click.Command | None:
    command: click.Command | None = cli
    for name in path:
        if not isinstance(command, click.Group):
            return None
        command = subcommand(command, name)
    return command


def test_the_readme_table_names_commands() -> None:
    assert ("serve",) in documented_commands() and ("user", "unlock") in documented_commands()


@pytest.mark.parametrize("path", documented_commands(), ids=" ".join)
def test_every_command_of_the_readme_is_registered(path: tuple[str, ...]) -> None:
    assert resolve(path) is not None, f"cms-dav {' '.join(path)} is documented but missing"


def test_help_needs_no_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    for args in (["--help"], ["user", "--help"], ["backup", "--help"]):
        result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])
        assert result.exit_code == 0, result.output
    assert not data_dir.exists()


def test_every_listed_command_imports() -> None:
    with click.Context(cli) as ctx:
        names = cli.list_commands(ctx)
        assert "search" in names and "import-radicale" in names
        assert all(isinstance(cli.get_command(ctx, name), click.Command) for name in names)


def test_a_search_imports_no_other_command_module() -> None:
    code = ("import sys\nfrom cms_dav.cli import cli, main\n"
            "try:\n    main(['search', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('cms_dav.cli.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "['cms_dav.cli.common', 'cms_dav.cli.search']"


def test_a_missing_command_module_is_a_start_up_error_naming_it() -> None:
    code = ("import sys; sys.modules['cms_dav.cli.trash'] = None; "
            "from cms_dav.cli import main; main(['--help'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "cms_dav.cli.trash" in done.stderr
