"""Web sessions are signed cookies: any worker with the data directory's secret
accepts them, a changed byte or another secret does not, and they end when idle
too long or too old (the clock is the test's)."""

from __future__ import annotations

import stat
from pathlib import Path

from cms_dav.web.sessions import SECRET_FILE, Sessions, load_secret


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_secret_is_made_once_and_readable_by_the_owner_only(tmp_path: Path) -> None:
    first = load_secret(tmp_path)
    assert load_secret(tmp_path) == first
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600


def test_another_process_with_the_same_secret_accepts_the_session(tmp_path: Path) -> None:
    one, other = (Sessions(load_secret(tmp_path), 60, 600) for _ in range(2))
    loaded = other.load(one.dump(one.begin("alice", "read")))
    assert loaded is not None and (loaded.user, loaded.scope) == ("alice", "read")


def test_a_tampered_cookie_or_another_secret_is_refused() -> None:
    sessions = Sessions(b"k" * 32, 60, 600)
    value = sessions.dump(sessions.begin("alice", "full"))
    forged = ("x" if value[0] != "x" else "y") + value[1:]
    assert sessions.load(forged) is None
    assert Sessions(b"j" * 32, 60, 600).load(value) is None


def test_a_session_idle_too_long_is_over_and_use_keeps_it_alive() -> None:
    clock = Clock()
    sessions = Sessions(b"k" * 32, idle=60, absolute=600, clock=clock)
    value = sessions.dump(sessions.begin("alice", "full"))
    clock.now += 50
    renewed = sessions.load(value)
    assert renewed is not None
    value = sessions.dump(renewed)
    clock.now += 50
    assert sessions.load(value) is not None
    clock.now += 61
    assert sessions.load(value) is None


def test_a_session_older_than_the_absolute_limit_is_over_however_used() -> None:
    clock = Clock()
    sessions = Sessions(b"k" * 32, idle=60, absolute=100, clock=clock)
    session = sessions.begin("alice", "full")
    for _ in range(3):
        clock.now += 40
        loaded = sessions.load(sessions.dump(session))
        session = loaded if loaded is not None else session
    assert sessions.load(sessions.dump(session)) is None
