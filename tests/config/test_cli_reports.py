"""Every command reports a config problem as the one line ConfigError gives, with a
non-zero exit and no traceback; ``cms-dav serve`` does not start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cms_dav.cli import cli

TYPO = "[server]\nworkers = 2\n[auth]\nlockout_treshold = 3\n"
MESSAGE = "unknown key; did you mean lockout_threshold?"


def write(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "cms-dav.conf"
    config.write_text(text, encoding="utf-8")
    return config


def cms_dav(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cms_dav", "--data-dir", str(tmp_path / "var"),
                           "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60)


def test_check_reports_a_config_typo_with_its_line(tmp_path: Path) -> None:
    config = write(tmp_path, TYPO)
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "var"), "--config",
                                      str(config), "check"])
    assert result.exit_code == 1
    assert result.output == f"error: [auth] lockout_treshold ({config} line 4): {MESSAGE}\n"


def test_serve_with_a_bad_config_exits_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    config = write(tmp_path, TYPO)
    result = cms_dav(tmp_path, config, "serve", "--port", "1")
    assert result.returncode == 1
    assert result.stderr == f"error: [auth] lockout_treshold ({config} line 4): {MESSAGE}\n"
    assert result.stdout == ""


def test_serve_with_a_refused_radicale_override_exits_with_one_line(tmp_path: Path) -> None:
    config = write(tmp_path, "[radicale:rights]\ntype = authenticated\n")
    result = cms_dav(tmp_path, config, "serve")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: [radicale:rights] type ({config} line 2): ")
    assert result.stderr.count("\n") == 1


def test_serve_with_a_port_out_of_range_is_a_usage_error_without_traceback(
        tmp_path: Path) -> None:
    config = write(tmp_path, "")
    result = cms_dav(tmp_path, config, "serve", "--port", "70000")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Invalid value for '--port': 70000 is not in the range 1<=x<=65535." \
        in result.stderr
