"""The permission matrix of issue 10, over HTTP: users x collections x methods.

Collections (alice's unless named): ``own`` (alice's, unshared), ``bob_own`` (bob's),
``read`` (shared read-only with bob), ``write`` (shared read-write with bob),
``group`` (read-write for group ``team`` = carol, made by the admin CLI), ``token``
(a read-only public link), ``revoked`` (shared read-write with bob, then revoked by
the CLI). Users: alice, bob, carol, dave (no rights anywhere), anonymous (no login;
for ``token`` it uses the link). Every cell's status follows from the user's level
on the collection (owner, read, write, none, anonymous, link); the escalations of
the issue (a sharee re-sharing, links by sharees, revoked shares still serving) are
cells of this table. The number of cells is printed.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Iterator

import pytest
import requests

from tests.security.sharing_env import SharingEnv, start
from tests.support import dav

USERS = ("alice", "bob", "carol", "dave", "anonymous")
COLLECTIONS = ("own", "bob_own", "read", "write", "group", "token", "revoked")
METHODS = ("GET", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MOVE",
           "COPY", "share-create", "share-delete", "share-list")
DENIED = {403, 404}
ANONYMOUS = {401}
#: COPY is not implemented by Radicale: refused for everybody, before any access check
NO_COPY = {403, 405, 501}

#: method -> level -> accepted statuses
EXPECTED: dict[str, dict[str, set[int]]] = {
    "GET": {"owner": {200}, "read": {200}, "write": {200}, "link": {200}},
    "PUT": {"owner": {201}, "write": {201}, "read": DENIED, "link": DENIED | ANONYMOUS},
    "DELETE": {"owner": {200, 204}, "write": {200, 204}, "read": DENIED,
               "link": DENIED | ANONYMOUS},
    "PROPFIND": {"owner": {207}, "read": {207}, "write": {207}, "link": {207}},
    # RFC 3744 §3.1: DAV:write contains DAV:write-properties, so a write sharee may
    # rename the collection; a read sharee may not
    "PROPPATCH": {"owner": {207}, "write": {207}, "read": DENIED,
                  "link": DENIED | ANONYMOUS},
    "REPORT": {"owner": {207}, "read": {207}, "write": {207}, "link": {207}},
    "MKCOL": {"owner": {403, 405, 409}, "write": DENIED | {405, 409},
              "read": DENIED | {405, 409}, "link": DENIED | ANONYMOUS | {405, 409}},
    "MOVE": {"owner": {201, 204}, "write": {201, 204}, "read": DENIED,
             "link": DENIED | ANONYMOUS},
    "COPY": {level: NO_COPY for level in ("owner", "read", "write", "link")},
    "share-create": {"owner": {200}, "read": {403}, "write": {403}, "link": ANONYMOUS},
    "share-delete": {"owner": {200}, "read": {403}, "write": {403}, "link": ANONYMOUS},
    "share-list": {"owner": {200}, "read": {200}, "write": {200}, "link": ANONYMOUS},
}
for _method, _levels in EXPECTED.items():
    _levels.setdefault("none", {200} if _method == "share-list" else
                       (NO_COPY if _method == "COPY" else
                        {403} if _method.startswith("share-") else DENIED))
    _levels.setdefault("anonymous", NO_COPY | ANONYMOUS if _method == "COPY" else ANONYMOUS)


def level(user: str, collection: str) -> str:
    if user == "anonymous":
        return "link" if collection == "token" else "anonymous"
    if collection == "bob_own":
        return "owner" if user == "bob" else "none"
    if user == "alice":
        return "owner"
    if user == "bob" and collection in ("read", "write"):
        return collection
    if user == "carol" and collection == "group":
        return "write"
    return "none"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharingEnv]:
    env = start(tmp_path_factory.mktemp("matrix"))
    try:
        yield env
    finally:
        env.server.stop()


@pytest.fixture(scope="module")
def paths(env: SharingEnv) -> dict[str, str]:
    """collection name -> the URL path the cell's requests use (token: the link)."""
    made = {name: env.fresh_book("bob" if name == "bob_own" else "alice")
            for name in COLLECTIONS}
    env.share("alice", made["read"], "bob", "r")
    env.share("alice", made["write"], "bob", "rw")
    env.cli("share", "grant", made["group"], "--to", "group:team", "--access",
            "write")
    env.share("alice", made["revoked"], "bob", "rw")
    env.cli("share", "revoke", made["revoked"], "--to", "user:bob")
    link = env.token("alice", made["token"])
    assert link.status_code == 200, link.text
    made["link"] = link.json()["PathOrToken"]
    return made


def _session(env: SharingEnv, user: str) -> requests.Session:
    if user == "anonymous":
        return requests.Session()
    return env.session(user)


def _seed(env: SharingEnv, owner_path: str) -> str:
    """A fresh card in the collection, put there by its owner; returns its name."""
    owner = owner_path.strip("/").split("/")[0]
    name = f"cell-{uuid.uuid4().hex[:10]}"
    env.put_card(owner, owner_path, name).raise_for_status()
    return name


MULTIGET = ('<?xml version="1.0"?><cr:addressbook-multiget xmlns:d="DAV:" '
            'xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop>'
            '<d:href>{href}</d:href></cr:addressbook-multiget>')
PROPPATCH = ('<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>'
             '<d:displayname>renamed by {user}</d:displayname></d:prop></d:set>'
             '</d:propertyupdate>')


def _request(env: SharingEnv, paths: dict[str, str], user: str, collection: str,
             method: str) -> requests.Response:
    real = paths[collection]
    base = paths["link"] if user == "anonymous" and collection == "token" else real
    url = env.url + base
    session = _session(env, user)
    xml = {"Content-Type": "application/xml"}
    actions: dict[str, Callable[[], requests.Response]] = {
        "GET": lambda: session.get(f"{url}seed.vcf"),
        "PUT": lambda: dav.put_card(session, f"{url}new-{uuid.uuid4().hex[:8]}.vcf",
                                    dav.vcard(uuid.uuid4().hex, "New Card")),
        "DELETE": lambda: session.delete(f"{url}{_seed(env, real)}.vcf"),
        "PROPFIND": lambda: session.request("PROPFIND", url, headers={"Depth": "1"}),
        "PROPPATCH": lambda: session.request("PROPPATCH", url, headers=xml,
                                             data=PROPPATCH.format(user=user).encode()),
        "REPORT": lambda: session.request(
            "REPORT", url, headers={"Depth": "1", **xml},
            data=MULTIGET.format(href=f"{base}seed.vcf").encode()),
        "MKCOL": lambda: session.request("MKCOL", f"{url}sub-{uuid.uuid4().hex[:6]}/"),
        "MOVE": lambda: session.request(
            "MOVE", f"{url}{_seed(env, real)}.vcf",
            headers={"Destination": f"{url}moved-{uuid.uuid4().hex[:8]}.vcf"}),
        "COPY": lambda: session.request(
            "COPY", f"{url}seed.vcf",
            headers={"Destination": f"{url}copied-{uuid.uuid4().hex[:8]}.vcf"}),
        "share-create": lambda: _api(session, env, "map/create", {
            "PathMapped": real, "PathOrToken": f"/dave/m-{uuid.uuid4().hex[:8]}/",
            "User": "dave", "Permissions": "r", "Enabled": True, "Hidden": False}),
        "share-delete": lambda: _api(session, env, "map/delete",
                                     {"PathOrToken": _victim_share(env, real)}),
        "share-list": lambda: _api(session, env, "map/list", {"PathMapped": real}),
    }
    return actions[method]()


def _api(session: requests.Session, env: SharingEnv, call: str, body: dict[str, Any]
         ) -> requests.Response:
    return session.post(f"{env.url}/.sharing/v1/{call}", json=body,
                        headers={"Accept": "application/json"})


def _victim_share(env: SharingEnv, path: str) -> str:
    """A share of ``path`` to a user who is not in the matrix, made by the owner."""
    owner = path.strip("/").split("/")[0]
    victim = f"erin{uuid.uuid4().hex[:8]}"
    mount = f"/{victim}/v/"
    made = env.api(owner, "map/create", {"PathMapped": path, "PathOrToken": mount,
                                         "User": victim, "Permissions": "r"})
    assert made.status_code == 200, made.text
    return mount


def _listed_users(response: requests.Response) -> set[str]:
    if response.status_code != 200:
        return set()
    return {row["User"] for row in response.json().get("Content") or []}


def test_every_cell_of_the_permission_matrix(env: SharingEnv, paths: dict[str, str]) -> None:
    failures: list[str] = []
    cells = 0
    for user in USERS:
        for collection in COLLECTIONS:
            lvl = level(user, collection)
            for method in METHODS:
                cells += 1
                response = _request(env, paths, user, collection, method)
                allowed = EXPECTED[method][lvl]
                where = f"{user:9} {collection:8} {method:12} ({lvl})"
                if response.status_code not in allowed:
                    failures.append(f"{where}: {response.status_code} not in "
                                    f"{sorted(allowed)} {response.text[:80]!r}")
                elif response.status_code >= 400 and not response.text.strip():
                    failures.append(f"{where}: {response.status_code} with an empty body")
                elif method == "share-list" and lvl not in ("owner", "anonymous", "link"):
                    others = _listed_users(response) - {user, ":team"}
                    if others:
                        failures.append(f"{where}: sees the shares of {sorted(others)}")
    for collection in ("own", "bob_own", "read", "token", "revoked"):
        # a PROPPATCH refused or made without write access left no trace
        owner = "bob" if collection == "bob_own" else "alice"
        names = dav.propfind(env.session(owner), env.url + paths[collection],
                             '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop>'
                             '<d:displayname/></d:prop></d:propfind>', depth="0").text
        if "renamed by" in names and f"renamed by {owner}" not in names:
            failures.append(f"{collection}: renamed by a user without write access")
    print(f"\npermission matrix: {cells} cells, {len(failures)} unexpected")
    assert cells == len(USERS) * len(COLLECTIONS) * len(METHODS)
    assert not failures, "\n".join(failures)


def test_the_owner_lists_the_shares_of_every_sharee(env: SharingEnv,
                                                    paths: dict[str, str]) -> None:
    listed = _listed_users(_api(env.session("alice"), env, "map/list",
                                {"PathMapped": paths["write"]}))
    assert "bob" in listed
