"""With the default ``[sharing] public_links = false`` no anonymous link can be made,
and a link stored while they were on stops working (404) the moment they are off."""

from __future__ import annotations

import sqlite3
import time
from typing import Iterator

import pytest

from tests.security.sharing_env import SharingEnv, start

OLD_LINK = "/.token/v1/" + "Q" * 44 + "/"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharingEnv]:
    env = start(tmp_path_factory.mktemp("links-off"), public_links=False)
    try:
        yield env
    finally:
        env.server.stop()


def test_creating_a_link_is_refused_with_a_reason(env: SharingEnv) -> None:
    book = env.fresh_book()
    answer = env.token("alice", book)
    assert answer.status_code == 403
    assert "public_links = false" in answer.text
    with sqlite3.connect(env.server.data_dir / "cms-dav.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM shares WHERE share_type = 'token'"
                            ).fetchone()[0] == 0


def test_a_link_stored_earlier_answers_404_while_links_are_off(env: SharingEnv) -> None:
    book = env.fresh_book()
    now = time.time()
    with sqlite3.connect(env.server.data_dir / "cms-dav.sqlite3") as conn:
        conn.execute(
            "INSERT INTO shares (share_type, path_or_token, path_mapped, conversion, owner,"
            " user_name, permissions, enabled_by_owner, enabled_by_user, hidden_by_owner,"
            " hidden_by_user, created_at, updated_at, properties, actions, expires_at)"
            " VALUES ('token', ?, ?, 'none', 'alice', 'alice', 'r', 1, 1, 0, 0, ?, ?, '{}',"
            " '{}', ?)", (OLD_LINK, book, now, now, now + 86400))
    answer = env.anonymous().get(f"{env.url}{OLD_LINK}seed.vcf")
    assert answer.status_code == 404
    assert "expired or been revoked" in answer.text
