"""``dev.py test`` installs a CJK font for the browser tests' screenshots (issue 16:
中文 drawn as boxes) only where it can: missing, Chromium there, running as root."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

import dev


class Runs:
    """Stands in for ``subprocess.run`` in dev.py: records commands, succeeds."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.commands.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Runs:
    found = Runs()
    chromium = tmp_path / "chromium"
    chromium.write_text("")
    monkeypatch.setattr(dev, "CHROMIUM", chromium)
    monkeypatch.setattr(dev.subprocess, "run", found)
    return found


def test_root_without_a_cjk_font_installs_the_small_one(
        runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev, "has_cjk_font", lambda: False)
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    dev.ensure_cjk_font()
    assert runs.commands == [["apt-get", "install", "-y", "--no-install-recommends",
                              "fonts-wqy-zenhei"]]


def test_a_present_font_or_no_root_installs_nothing(
        runs: Runs, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    monkeypatch.setattr(dev, "has_cjk_font", lambda: True)
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    dev.ensure_cjk_font()
    monkeypatch.setattr(dev, "has_cjk_font", lambda: False)
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)
    dev.ensure_cjk_font()
    assert runs.commands == []
    assert "fonts-wqy-zenhei" in capsys.readouterr().out


def test_without_chromium_no_font_is_installed(
        runs: Runs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(dev, "CHROMIUM", tmp_path / "absent")
    monkeypatch.setattr(dev, "has_cjk_font", lambda: False)
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    dev.ensure_cjk_font()
    assert runs.commands == []
