"""CMS_DAV_DATA_DIR and CMS_DAV_CONFIG feed the settings when no argument is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_dav.config import load_settings


def test_environment_names_the_data_dir_and_config_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "env.conf"
    config.write_text("[server]\nport = 7000\n", encoding="utf-8")
    monkeypatch.setenv("CMS_DAV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CMS_DAV_CONFIG", str(config))
    settings = load_settings()
    assert settings.data_dir == tmp_path / "data" and settings.port == 7000
    assert settings.config_file == config


def test_arguments_win_over_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMS_DAV_DATA_DIR", str(tmp_path / "from-env"))
    assert load_settings(data_dir=tmp_path / "given").data_dir == tmp_path / "given"


def test_data_dir_argument_wins_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.conf"
    config.write_text(f"[storage]\ndata_dir = {tmp_path / 'from-file'}\n", encoding="utf-8")
    assert load_settings(config_file=config).data_dir == tmp_path / "from-file"
    assert load_settings(tmp_path / "given", config).data_dir == tmp_path / "given"


def test_bad_config_named_by_the_environment_is_refused_with_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cms_dav.config import ConfigError
    config = tmp_path / "env.conf"
    config.write_text("[auth]\nlockout_treshold = 3\n", encoding="utf-8")
    monkeypatch.setenv("CMS_DAV_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"env.conf line 2\): unknown key"):
        load_settings(data_dir=tmp_path)
