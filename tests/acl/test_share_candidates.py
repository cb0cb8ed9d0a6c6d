"""``share_table.candidates``, run as a plain DB-API statement (issue 19, putpath),
answers exactly what its SQLAlchemy execution answered, on SQLite and PostgreSQL, and
still reads the table on every call (a revoked share is gone from the next lookup)."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from sqlalchemy import Connection

from cms_dav.acl import share_table
from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.store import Store

DAY = 86400.0


def share(share_type: str, mount: str, source: str, owner: str, user: str,
          **flags: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        ShareType=share_type, PathOrToken=mount, PathMapped=source, Conversion="none",
        Owner=owner, User=user, Permissions="rw", EnabledByOwner=True, EnabledByUser=True,
        HiddenByOwner=False, HiddenByUser=False, Properties={"D:displayname": "Équipe ☃"},
        Actions=None)
    fields.update(flags)
    return fields


SHARES = [
    share("map", "/bob/team/", "/alice/team/", "alice", "bob"),
    share("map", "/carol/team/", "/alice/team/", "alice", "carol", EnabledByUser=False,
          HiddenByUser=True, Permissions="r"),
    share("map", "/{user}/team/", "/alice/team/", "alice", ":sales"),
    share("map", "/{user}/all/", "/alice/all/", "alice", "@realm"),
    share("map", "/b_b/x/", "/bob/x/", "bob", "b_b", HiddenByOwner=True),
    share("map", "/b%b/x/", "/bob/x/", "bob", "b%b"),
    share("map", "/ä ö/x/", "/bob/x/", "bob", "ä ö", Actions={"a": 1}),
    share("token", "/.token/v1/live/", "/alice/team/", "alice", "", ExpiresAt=time.time() + DAY),
    share("token", "/.token/v1/dead/", "/alice/team/", "alice", "", ExpiresAt=time.time() - DAY),
    share("token", "/.token/v1/off/", "/bob/x/", "bob", "", EnabledByOwner=False,
          ExpiresAt=time.time() + DAY),
]

SHARE_TYPES = [None, "map", "token", "none"]
USERS = [None, "bob", "carol", "b_b", "b", "ä ö", "nobody", ""]
OWNERS_OR_USERS = [None, "alice", "bob", "b%b", "nobody"]
PATHS = [None, "/alice/team/", "/bob/x/", "/nowhere/"]


@pytest.fixture
def store(database_url: str) -> Store:
    store = Store.open(database_url)
    with write_tx(store.engine) as conn:
        for fields in SHARES:
            share_table.create(conn, "test", dict(fields))
    return store


def through_sqlalchemy(conn: Connection, share_type: str | None, user: str | None,
                       owner_or_user: str | None, path_mapped: str | None
                       ) -> list[dict[str, Any]]:
    """The lookup as it ran before: the same query executed by SQLAlchemy."""
    params = {"share_type": share_type, "user": user, "owner_or_user": owner_or_user,
              "path_mapped": path_mapped}
    query = share_table._candidates_query(*(value is not None for value in params.values()))
    given: dict[str, object] = {key: value for key, value in params.items()
                                if value is not None}
    given["now"] = time.time()
    return [share_table.to_radicale(row) for row in conn.execute(query, given)]


def test_candidates_answer_as_the_sqlalchemy_query_for_every_choice_of_filters(
        store: Store) -> None:
    with read_tx(store.engine) as conn:
        for choice in itertools.product(SHARE_TYPES, USERS, OWNERS_OR_USERS, PATHS):
            assert share_table.candidates(conn, *choice) == \
                through_sqlalchemy(conn, *choice), choice


def test_candidates_read_rows_of_every_kind(store: Store) -> None:
    """The comparison above is not between two empty answers."""
    with read_tx(store.engine) as conn:
        found = share_table.candidates(conn)
    assert [row["PathOrToken"] for row in found] == [
        fields["PathOrToken"] for fields in SHARES if fields["PathOrToken"] != "/.token/v1/dead/"]
    assert found[1]["EnabledByUser"] is False and found[1]["HiddenByUser"] is True
    assert found[6]["Actions"] == {"a": 1}
    assert found[0]["Properties"] == {"D:displayname": "Équipe ☃"}
    assert isinstance(found[0]["TimestampCreated"], int)


def test_a_removed_share_is_gone_from_the_next_lookup(store: Store) -> None:
    with read_tx(store.engine) as conn:
        assert [row["User"] for row in share_table.candidates(conn, "map", "bob")] == [
            "bob", ":sales", "@realm"]
    with write_tx(store.engine) as conn:
        share_table.remove(conn, "alice", "map", "/bob/team/", ["bob"])
    with read_tx(store.engine) as conn:
        assert [row["User"] for row in share_table.candidates(conn, "map", "bob")] == [
            ":sales", "@realm"]
