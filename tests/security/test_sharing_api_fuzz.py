"""Seeded mutation of sharing-API bodies over HTTP: never a 5xx, always a named 4xx.

Issue 10 found 45 of 400 mutated JSON bodies answered 500 (e.g. ``map/list`` with
``{"PathMapped": 0}``). Each round takes a valid body for one API call, mutates it
(wrong types, huge or control-character strings, unknown keys, deep nesting, broken
JSON, odd content types) and checks: no 5xx, a non-empty 4xx body that is more than a
bare "Bad Request", and no share stored by a rejected request.
CMS_DAV_FUZZ_EXAMPLES raises the number of rounds (default 400), CMS_DAV_FUZZ_SEED changes the seed.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from typing import Any, Iterator

import pytest

from tests.security.sharing_env import SharingEnv, start

ROUNDS = int(os.environ.get("CMS_DAV_FUZZ_EXAMPLES", "400"))
SEED = int(os.environ.get("CMS_DAV_FUZZ_SEED", "20261201"))
CALLS = ("map/create", "map/list", "map/delete", "map/update", "map/enable", "map/disable",
         "map/hide", "map/unhide", "token/create", "token/list", "token/delete",
         "token/update", "all/list", "map/info", "all/info")
KEYS = ("PathOrToken", "PathMapped", "User", "Permissions", "Enabled", "Hidden",
        "Properties", "Conversion", "Actions")
ODD_VALUES: tuple[Any, ...] = (
    0, -1, 1.5, 10**30, None, True, False, [], [1, "a"], {}, {"a": {"b": [1]}}, "",
    "/", "//", "/../", "/alice/../bob/", "x" * 5000, "/alice/\x00/", "\u202e/alice/",
    "rwxyz", "rw" * 40, ":", ":team", "@realm", "{user}", "/{user}/x/",
    "/.token/v1/" + "A" * 44 + "/", "D:displayname", {"D:displayname": 5},
    {"X:evil": "a"}, {"config": "freebusy"}, {"config": {"view": 3}},
    {"config": {"conversion_bday_age_max": "200"}}, {"config_default": []},
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharingEnv]:
    env = start(tmp_path_factory.mktemp("fuzz"))
    try:
        yield env
    finally:
        env.server.stop()


def _valid(call: str, book: str) -> dict[str, Any]:
    kind, action = call.split("/")
    if action == "create" and kind == "map":
        return {"PathMapped": book, "PathOrToken": "/bob/fuzzed/", "User": "bob",
                "Permissions": "r", "Enabled": True, "Hidden": False}
    if action == "create":
        return {"PathMapped": book, "Permissions": "r", "Enabled": True, "Hidden": False}
    if action in ("list", "info"):
        return {"PathMapped": book}
    return {"PathOrToken": "/bob/fuzzed/", "Permissions": "r", "Properties":
            {"D:displayname": "x"}}


def _mutate(rng: random.Random, body: dict[str, Any]) -> tuple[bytes, str]:
    """A mutated body and its content type."""
    choice = rng.randrange(10)
    if choice == 0:
        return rng.choice([b"[", b"{\"a\":", b"\xff\xfe", b"null", b"42", b"\"s\"",
                           b"[" * 5000 + b"]" * 5000, b"{}" * 3]), "application/json"
    if choice == 1:
        depth = rng.choice((5, 50, 3000))
        return ("{\"Properties\":" * depth + "1" + "}" * depth).encode(), "application/json"
    if choice == 2:
        form = "&".join(f"{key}={rng.choice(['', 'x', '%00', 'true', '%ff', '/a/'])}"
                        for key in rng.sample(KEYS + ("Junk",), 3))
        return form.encode(), "application/x-www-form-urlencoded"
    if choice == 3:
        return json.dumps(body).encode(), rng.choice(["text/plain", "", "application/xml",
                                                      "multipart/form-data"])
    mutated = dict(body)
    for _ in range(rng.randint(1, 3)):
        action = rng.randrange(4)
        if action == 0 or not mutated:
            mutated[rng.choice(KEYS)] = rng.choice(ODD_VALUES)
        elif action == 1:
            mutated.pop(rng.choice(list(mutated)))
        elif action == 2:
            mutated[rng.choice(["Junk", "owner", "PATHMAPPED", "Timestamp"])] = "x"
        else:
            key = rng.choice(list(mutated))
            mutated[key] = [mutated[key]]
    return json.dumps(mutated).encode(), "application/json"


def _share_count(env: SharingEnv) -> int:
    with sqlite3.connect(env.server.data_dir / "cms-dav.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM shares").fetchone()[0])


def test_mutated_sharing_api_bodies_never_get_a_5xx_and_rejections_store_nothing(
        env: SharingEnv) -> None:
    rng = random.Random(SEED)
    book = env.fresh_book()
    sessions = {user: env.session(user) for user in ("alice", "bob")}
    failures: list[str] = []
    rejected = 0
    for round_ in range(ROUNDS):
        call = rng.choice(CALLS)
        body, content_type = _mutate(rng, _valid(call, book))
        user = rng.choice(("alice", "bob"))
        before = _share_count(env)
        response = sessions[user].post(f"{env.url}/.sharing/v1/{call}", data=body,
                                       headers={"Content-Type": content_type,
                                                "Accept": "application/json"})
        where = f"round {round_}: {user} {call} {body[:120]!r} -> {response.status_code}"
        if response.status_code >= 500:
            failures.append(f"{where} {response.text[:200]!r}")
        elif response.status_code >= 400:
            rejected += 1
            text = response.text.strip()
            if not text or text == "Bad Request":
                failures.append(f"{where}: empty or bare 4xx body")
            if _share_count(env) != before:
                failures.append(f"{where}: a rejected request stored a share")
        if len(failures) > 10:
            break
    print(f"\nsharing-API fuzz: {ROUNDS} bodies, {rejected} rejected, "
          f"{len(failures)} failures")
    assert not failures, "\n".join(failures)
    assert "Traceback" not in env.server.log()
    assert env.session("alice").request("PROPFIND", f"{env.url}/alice/",
                                        headers={"Depth": "0"}).status_code == 207
