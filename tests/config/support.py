"""Write a config file and load it, for the config tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cms_dav.config import ConfigError, Settings, load_settings


def load(tmp_path: Path, text: str) -> Settings:
    config = tmp_path / "cms-dav.conf"
    config.write_text(text, encoding="utf-8")
    return load_settings(data_dir=tmp_path / "var", config_file=config)


def refusal(tmp_path: Path, text: str) -> str:
    """The one-line ConfigError message for ``text``, with the file's path shortened to
    its name so that tests can state the message whole."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message
    return re.sub(re.escape(str(tmp_path) + "/"), "", message)
