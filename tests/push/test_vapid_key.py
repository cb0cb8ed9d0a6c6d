"""The VAPID key of WebDAV-Push (RFC 8292): made by ``cms-dav init`` in the data dir,
readable by its owner only; not made at all with ``[push] enabled = false``."""

from __future__ import annotations

import stat
from pathlib import Path

from cms_dav.app import build_app
from cms_dav.config import load_settings
from tests.support.server import ServerProcess


def test_the_vapid_key_is_made_by_init_and_readable_by_its_owner_only(
        tmp_path: Path) -> None:
    ServerProcess(data_dir=tmp_path).cli("init", check=True)
    mode = stat.S_IMODE((tmp_path / "push-vapid.pem").stat().st_mode)
    assert mode == 0o600


def test_with_push_off_no_vapid_key_is_made(tmp_path: Path) -> None:
    config = tmp_path / "cms-dav.conf"
    config.write_text("[push]\nenabled = false\n", encoding="utf-8")
    with build_app(load_settings(str(tmp_path), str(config))) as app:
        assert app.push_key is None
    assert not (tmp_path / "push-vapid.pem").exists()
