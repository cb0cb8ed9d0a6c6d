"""The verified-login cache: hits, expiry, invalidation, and what it keeps in memory."""

from __future__ import annotations

from tests.auth.auth_fakes import FakeClock

from cms_dav.auth.login_cache import LoginCache


def test_a_remembered_login_is_known(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock)
    cache.remember("alice", "pw")
    assert cache.is_known("alice", "pw")


def test_a_different_password_is_not_known(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock)
    cache.remember("alice", "pw")
    assert not cache.is_known("alice", "other")
    assert not cache.is_known("bob", "pw")


def test_a_login_expires_after_the_configured_seconds_without_use(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock)
    cache.remember("alice", "pw")
    clock.advance(60)
    assert not cache.is_known("alice", "pw")


def test_each_use_extends_a_cached_login(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock)
    cache.remember("alice", "pw")
    clock.advance(59)
    assert cache.is_known("alice", "pw")
    clock.advance(59)
    assert cache.is_known("alice", "pw")
    clock.advance(60)
    assert not cache.is_known("alice", "pw")


def test_invalidate_forgets_every_login(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock)
    cache.remember("alice", "pw")
    cache.invalidate()
    assert not cache.is_known("alice", "pw")


def test_zero_seconds_disables_the_cache(clock: FakeClock) -> None:
    cache = LoginCache(0, clock=clock)
    cache.remember("alice", "pw")
    assert not cache.is_known("alice", "pw")


def test_user_and_password_boundaries_do_not_collide(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock)
    cache.remember("ab", "c")
    assert not cache.is_known("a", "bc")


def test_the_cache_never_holds_the_password(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock)
    cache.remember("alice", "hunter2-secret")
    stored = b"".join(cache._expiry)  # keys are the only per-login data
    assert b"hunter2-secret" not in stored
    assert b"alice" not in stored


def test_two_processes_derive_different_keys(clock: FakeClock) -> None:
    first, second = LoginCache(60, clock=clock), LoginCache(60, clock=clock)
    first.remember("alice", "pw")
    second.remember("alice", "pw")
    assert set(first._expiry) != set(second._expiry)


def test_size_is_bounded_by_dropping_the_oldest(clock: FakeClock) -> None:
    cache = LoginCache(60, clock=clock, max_entries=2)
    cache.remember("a", "pw")
    cache.remember("b", "pw")
    cache.remember("c", "pw")
    assert len(cache) == 2
    assert not cache.is_known("a", "pw")
    assert cache.is_known("c", "pw")
