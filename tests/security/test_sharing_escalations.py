"""Regression tests for the sharing findings of issue 10, over HTTP against the real server.

Each test is named after the escalation it pins. The rules (docs/sharing.md): only the
owner, a rights-file admin or the holder of an explicit admin share manages the shares
of a collection; nobody grants more than they hold; a share's effect is re-derived from
its creator's current rights on every request; a share into someone's home waits for
that user's acceptance; links are owner-made, read-only by default and expire.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Iterator

import pytest

from tests.security.sharing_env import SharingEnv, start

OK = (200, 201, 204, 207)
DENIED = (403, 404)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharingEnv]:
    env = start(tmp_path_factory.mktemp("escalations"))
    try:
        yield env
    finally:
        env.server.stop()


def _cli_admin_share(env: SharingEnv, path: str, to: str) -> None:
    env.cli("share", "grant", path, "--to", to, "--access", "admin")


def _link(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return str(response.json()["PathOrToken"])


# -- who may create shares -------------------------------------------------------------
def test_read_only_sharee_cannot_create_a_write_share(env: SharingEnv) -> None:
    book = env.fresh_book()
    env.share("alice", book, "bob", "r")
    answer = env.api("bob", "map/create", {
        "PathMapped": book, "PathOrToken": "/carol/stolen/", "User": "carol",
        "Permissions": "rw", "Enabled": True, "Hidden": False})
    assert answer.status_code == 403
    assert "may not manage the shares" in answer.text
    assert env.put_card("carol", book, "intruder").status_code in DENIED
    assert env.session("carol").delete(f"{env.url}{book}seed.vcf").status_code in DENIED


def test_read_only_sharee_cannot_create_a_public_link(env: SharingEnv) -> None:
    book = env.fresh_book()
    env.share("alice", book, "bob", "r")
    answer = env.token("bob", book)
    assert answer.status_code == 403
    assert "owner" in answer.text
    assert "PathOrToken" not in answer.text


def test_group_write_sharee_cannot_hand_write_to_another_user(env: SharingEnv) -> None:
    book = env.fresh_book()
    env.cli("share", "grant", book, "--to", "group:team", "--access", "write")
    assert env.put_card("carol", book, "by-carol").status_code in OK
    answer = env.api("carol", "map/create", {
        "PathMapped": book, "PathOrToken": "/bob/from-carol/", "User": "bob",
        "Permissions": "rw", "Enabled": True, "Hidden": False})
    assert answer.status_code == 403
    assert env.put_card("bob", book, "by-bob").status_code in DENIED


def test_admin_sharee_cannot_grant_more_than_the_admin_share_holds(env: SharingEnv) -> None:
    book = env.fresh_book()
    env.cli("share", "grant", book, "--to", "user:bob", "--access", "read")
    answer = env.api("bob", "map/create", {
        "PathMapped": book, "PathOrToken": "/dave/more/", "User": "dave",
        "Permissions": "rw", "Enabled": True, "Hidden": False})
    assert answer.status_code == 403


# -- nobody is planted into another user's home ----------------------------------------
def test_a_user_cannot_hijack_a_path_in_another_users_home(env: SharingEnv) -> None:
    bobs = env.fresh_book("bob")
    answer = env.api("bob", "map/create", {
        "PathMapped": bobs, "PathOrToken": "/alice/hijack/", "User": "alice",
        "Permissions": "rw", "Enabled": True, "Hidden": False})
    assert answer.status_code in (200, 403)
    env.put_card("alice", "/alice/hijack/", "secret")
    listing = env.session("bob").request("PROPFIND", env.url + bobs, headers={"Depth": "1"})
    assert "secret" not in listing.text
    home = env.session("alice").request("PROPFIND", env.url + "/alice/",
                                        headers={"Depth": "1"})
    assert "/alice/hijack/" not in home.text


def test_a_group_share_into_members_homes_waits_for_each_members_acceptance(
        env: SharingEnv) -> None:
    bobs = env.fresh_book("bob")
    mount = env.share("bob", bobs, ":team", "rw", accept=False)
    carols = mount.replace("{user}", "carol")
    home = env.session("carol").request("PROPFIND", env.url + "/carol/",
                                        headers={"Depth": "1"})
    assert carols not in home.text
    env.put_card("carol", carols, "carol-note")
    listing = env.session("bob").request("PROPFIND", env.url + bobs, headers={"Depth": "1"})
    assert "carol-note" not in listing.text
    accepted = env.api("carol", "map/enable", {"PathOrToken": carols})
    assert accepted.status_code == 200, accepted.text
    assert env.put_card("carol", carols, "accepted-note").status_code in OK


def test_the_users_own_collection_wins_over_a_mount_of_the_same_name(env: SharingEnv) -> None:
    book = env.fresh_book()
    bobs_own = env.fresh_book("bob")
    answer = env.api("alice", "map/create", {
        "PathMapped": book, "PathOrToken": bobs_own, "User": "bob", "Permissions": "rw",
        "Enabled": True, "Hidden": False})
    assert answer.status_code == 409
    assert env.put_card("bob", bobs_own, "mine").status_code in OK
    listing = env.session("alice").request("PROPFIND", env.url + book, headers={"Depth": "1"})
    assert "mine.vcf" not in listing.text


# -- revocation cascades at once -------------------------------------------------------
def test_revoking_a_share_revokes_the_shares_and_links_derived_from_it(env: SharingEnv) -> None:
    book = env.fresh_book()
    _cli_admin_share(env, book, "user:bob")
    carols = env.share("bob", book, "carol", "rw")
    link = _link(env.token("alice", book))
    assert env.put_card("carol", carols, "before").status_code in OK
    assert env.session("bob").get(f"{env.url}{book}seed.vcf").status_code == 200
    env.cli("share", "revoke", book, "--to", "user:bob")
    assert env.session("bob").get(f"{env.url}{book}seed.vcf").status_code in DENIED
    assert env.put_card("carol", carols, "after").status_code in DENIED + (409,)
    assert env.session("carol").delete(f"{env.url}{carols}seed.vcf").status_code \
        not in OK
    # alice's own link does not depend on bob: it still works
    assert env.anonymous().get(f"{env.url}{link}seed.vcf").status_code == 200


def test_a_link_made_by_an_admin_sharee_dies_with_the_admin_share(env: SharingEnv) -> None:
    book = env.fresh_book()
    _cli_admin_share(env, book, "user:bob")
    bobs_share = env.share("bob", book, "dave", "r")
    assert env.session("dave").get(f"{env.url}{bobs_share}seed.vcf").status_code == 200
    env.cli("share", "revoke", book, "--to", "user:bob")
    assert env.session("dave").get(f"{env.url}{bobs_share}seed.vcf").status_code in DENIED
    shares = env.api("alice", "map/list", {"PathMapped": book}).json()
    assert all(row["Owner"] != "bob" for row in shares.get("Content", []))


def test_removing_a_user_from_a_group_ends_the_group_share_on_the_next_request(
        env: SharingEnv) -> None:
    book = env.fresh_book()
    env.cli("share", "grant", book, "--to", "group:team", "--access", "write")
    assert env.put_card("carol", book, "member").status_code in OK
    rights = env.server.data_dir / "rights.toml"
    original = rights.read_text()
    try:
        rights.write_text('admins = ["root"]\n[groups.team]\nmembers = []\n')
        assert env.put_card("carol", book, "ex-member").status_code in DENIED
    finally:
        rights.write_text(original)


# -- the owner sees everything ---------------------------------------------------------
def test_the_owner_lists_every_share_and_link_of_her_collection(env: SharingEnv) -> None:
    book = env.fresh_book()
    _cli_admin_share(env, book, "user:bob")
    env.share("bob", book, "carol", "r")
    link = _link(env.token("alice", book))
    maps = env.api("alice", "map/list", {}).json()["Content"]
    assert {(row["Owner"], row["User"]) for row in maps if row["PathMapped"] == book} \
        >= {("bob", "carol"), ("alice", "bob")}
    tokens = env.api("alice", "token/list", {}).json()["Content"]
    assert link in [row["PathOrToken"] for row in tokens]


def test_share_list_of_an_owner_shows_the_shares_and_links_others_made(
        env: SharingEnv) -> None:
    book = env.fresh_book()
    _cli_admin_share(env, book, "user:bob")
    env.share("bob", book, "carol", "r")
    _link(env.token("alice", book))
    listed = env.cli("share", "list", "--owner", "alice", "--json")
    rows = [row for row in json.loads(listed) if row["path"] == book]
    assert {(row["by"], row["to"]) for row in rows} == {
        ("alice", "bob"), ("bob", "carol"), ("alice", "anyone with the link")}


def test_a_sharee_does_not_see_the_other_shares_of_the_collection(env: SharingEnv) -> None:
    book = env.fresh_book()
    env.share("alice", book, "bob", "r")
    env.share("alice", book, "dave", "r")
    rows = env.api("bob", "map/list", {}).json().get("Content", [])
    assert [row["User"] for row in rows if row["PathMapped"] == book] == ["bob"]


# -- deleting users and collections ----------------------------------------------------
def test_a_user_created_again_under_an_old_name_starts_with_nothing(env: SharingEnv) -> None:
    book = env.fresh_book()
    env.share("alice", book, "dave", "rw")
    env.cli("user", "remove", "dave", "--yes")
    env.cli("user", "add", "dave", "--password-stdin",
            input="dave-sharing-pw\n")
    assert env.session("dave").get(f"{env.url}{book}seed.vcf").status_code in DENIED
    assert env.api("dave", "map/list", {}).json().get("Content", []) == []
    home = env.session("dave").request("PROPFIND", f"{env.url}/dave/", headers={"Depth": "1"})
    assert book.strip("/").replace("/", "-") not in home.text


def test_a_share_does_not_outlive_its_deleted_collection(env: SharingEnv) -> None:
    book = env.fresh_book()
    env.share("alice", book, "bob", "rw")
    assert env.session("alice").delete(env.url + book).status_code in OK
    database = env.server.data_dir / "cms-dav.sqlite3"
    with sqlite3.connect(database) as conn:
        left = conn.execute("SELECT count(*) FROM shares WHERE path_mapped = ?",
                            (book,)).fetchone()[0]
    assert left == 0
    env.session("alice").request("MKCOL", env.url + book)
    assert env.session("bob").get(f"{env.url}{book}").status_code in DENIED


# -- links -----------------------------------------------------------------------------
def test_a_link_is_read_only_unless_the_owner_asks_for_more(env: SharingEnv) -> None:
    book = env.fresh_book()
    link = _link(env.token("alice", book))
    anonymous = env.anonymous()
    assert anonymous.get(f"{env.url}{link}seed.vcf").status_code == 200
    assert anonymous.delete(f"{env.url}{link}seed.vcf").status_code not in OK


def test_an_expired_link_answers_404(env: SharingEnv) -> None:
    book = env.fresh_book()
    link = _link(env.token("alice", book))
    database = env.server.data_dir / "cms-dav.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE shares SET expires_at = 1 WHERE path_or_token = ?", (link,))
    assert env.anonymous().get(f"{env.url}{link}seed.vcf").status_code == 404


def test_a_revoked_link_answers_404(env: SharingEnv) -> None:
    book = env.fresh_book()
    link = _link(env.token("alice", book))
    assert env.api("alice", "token/delete", {"PathOrToken": link}).status_code == 200
    assert env.anonymous().get(f"{env.url}{link}seed.vcf").status_code == 404


def test_a_link_never_appears_in_the_server_log(env: SharingEnv) -> None:
    book = env.fresh_book()
    link = _link(env.token("alice", book))
    env.anonymous().get(f"{env.url}{link}seed.vcf")
    secret = link.rstrip("/").rsplit("/", 1)[1]
    log = env.server.log()
    assert secret not in log
    assert "/.token/v1/***/" in log  # the link was logged, masked


# -- hostile bodies --------------------------------------------------------------------
def test_a_list_filter_of_the_wrong_type_is_a_named_400_not_a_500(env: SharingEnv) -> None:
    answer = env.api("alice", "map/list", {"PathMapped": 0})
    assert answer.status_code == 400
    assert "PathMapped" in answer.text and answer.headers["Content-Type"].startswith(
        "text/plain")
