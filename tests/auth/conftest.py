"""Fixtures for the auth tests: cheap bcrypt, a users file, a clock the test moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_dav.auth import htpasswd
from cms_dav.auth.htpasswd import HtpasswdFile

from tests.auth.auth_fakes import FakeClock, RecordingSleep


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    # cost 4 instead of 12: same code path, a few ms per hash instead of ~0.25 s
    monkeypatch.setattr(htpasswd, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def users_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "users"


@pytest.fixture
def users(users_path: Path) -> HtpasswdFile:
    return HtpasswdFile(users_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()
