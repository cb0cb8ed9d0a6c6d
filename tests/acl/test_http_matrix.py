"""The permission matrix over real HTTP, one server for the whole module.

Users alice, bob, carol, dave; groups sales (alice, bob) and support (carol).
Seen from bob: his own calendar, alice's calendars shared read-only and read-write,
the sales group calendar, carol's calendar granted by the rights file, and carol's
private calendar (unrelated). Every refusal is checked for leaked data.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from tests.support import dav
from tests.support.server import ServerProcess

PASSWORDS = {name: f"{name}-secret-pw" for name in ("alice", "bob", "carol", "dave")}
RIGHTS = '''# test policy
[groups.sales]
members = ["alice", "bob"]

[groups.support]
members = ["carol"]

[[grant]]
path = "/carol/kb/"
to = "group:sales"
access = "read"
'''
#: name -> (path bob uses, owner's real path, bob may read, bob may write)
COLLECTIONS = {
    "own": ("/bob/own/", "/bob/own/", True, True),
    "shared-read": ("/bob/alice-ro/", "/alice/ro/", True, False),
    "shared-write": ("/bob/alice-rw/", "/alice/rw/", True, True),
    "group-owned": ("/bob/sales-cal/", "/groups/sales/cal/", True, True),
    "group-direct": ("/groups/sales/cal/", "/groups/sales/cal/", True, True),
    "granted-by-file": ("/bob/carol-kb/", "/carol/kb/", True, False),
    "unrelated": ("/carol/private/", "/carol/private/", False, False),
}
OWNERS = {"/bob/own/": "bob", "/alice/ro/": "alice", "/alice/rw/": "alice",
          "/groups/sales/cal/": "alice", "/carol/kb/": "carol", "/carol/private/": "carol"}
SECRET = "Secret-summary"
ICS = {"Content-Type": "text/calendar; charset=utf-8"}


class Env:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.url = server.url

    def session(self, user: str) -> requests.Session:
        return self.server.session(user, PASSWORDS[user])


def _write_rights(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    import os
    os.utime(path, ns=(before + 10**9, before + 10**9))
    time.sleep(1.1)  # the server looks at the file at most once a second


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("acl-http")
    server = ServerProcess(data_dir=data)
    for name, password in PASSWORDS.items():
        server.add_user(name, password)
    (data / "rights.toml").write_text(RIGHTS)
    server.start()
    try:
        env = Env(server)
        for user in PASSWORDS:
            env.session(user).request("PROPFIND", f"{env.url}/{user}/", headers={"Depth": "0"})
        for real, owner in OWNERS.items():
            if real.startswith("/groups/"):
                server.cli("group", "collection", "add", "sales", "cal", "--type", "calendar",
                           check=True)
            else:
                dav.make_calendar(env.session(owner), env.url + real, real.strip("/"))
            names = [n for n, (_, r, _, _) in COLLECTIONS.items() if r == real]
            for uid in ["e1"] + [f"{kind}-{n}" for n in names for kind in ("del", "mv")]:
                response = env.session(owner).put(f"{env.url}{real}{uid}.ics", headers=ICS,
                                                  data=dav.vevent(uid, SECRET))
                assert response.status_code == 201, response.text
        server.cli("share", "grant", "/alice/ro/", "--to", "user:bob", "--access", "read",
                   check=True)
        server.cli("share", "grant", "/alice/rw/", "--to", "user:bob", "--access", "write",
                   check=True)
        yield env
    finally:
        server.stop()


def cases(predicate=lambda read, write: True):
    return [pytest.param(name, id=name) for name, (_, _, read, write) in COLLECTIONS.items()
            if predicate(read, write)]


def owner_get(env: Env, name: str, href: str) -> requests.Response:
    real = COLLECTIONS[name][1]
    return env.session(OWNERS[real]).get(f"{env.url}{real}{href}")


def assert_no_data(response: requests.Response) -> None:
    assert response.status_code in (403, 404), response.status_code
    assert SECRET not in response.text and "BEGIN:VCALENDAR" not in response.text
    assert ".ics" not in response.text


# -- GET / PUT / DELETE --------------------------------------------------------------
@pytest.mark.parametrize("name", cases())
def test_get_item(env, name):
    path, _, read, _ = COLLECTIONS[name]
    response = env.session("bob").get(f"{env.url}{path}e1.ics")
    if read:
        assert response.status_code == 200 and SECRET in response.text
    else:
        assert_no_data(response)


@pytest.mark.parametrize("name", cases())
def test_put_new_item(env, name):
    path, _, _, write = COLLECTIONS[name]
    href = f"new-{name}.ics"
    response = env.session("bob").put(f"{env.url}{path}{href}", headers=ICS,
                                      data=dav.vevent(f"new-{name}", "by bob"))
    if write:
        assert response.status_code == 201
        assert owner_get(env, name, href).status_code == 200
    else:
        assert_no_data(response)
        assert owner_get(env, name, href).status_code == 404


@pytest.mark.parametrize("name", cases())
def test_delete_item(env, name):
    path, _, _, write = COLLECTIONS[name]
    response = env.session("bob").delete(f"{env.url}{path}del-{name}.ics")
    if write:
        assert response.status_code in (200, 204)
        assert owner_get(env, name, f"del-{name}.ics").status_code == 404
    else:
        assert_no_data(response)
        assert owner_get(env, name, f"del-{name}.ics").status_code == 200


# -- PROPFIND ------------------------------------------------------------------------
PROPS = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/>'
         '<d:getetag/><d:current-user-privilege-set/></d:prop></d:propfind>')


@pytest.mark.parametrize("depth", ["0", "1"])
@pytest.mark.parametrize("name", cases())
def test_propfind(env, name, depth):
    path, _, read, _ = COLLECTIONS[name]
    response = dav.propfind(env.session("bob"), env.url + path, PROPS, depth)
    if not read:
        assert_no_data(response)
        return
    assert response.status_code == 207
    hrefs = dav.hrefs(response)
    assert hrefs[0] == path
    assert all(href.startswith(path) for href in hrefs)
    if depth == "1":
        assert f"{path}e1.ics" in hrefs


@pytest.mark.parametrize("name", cases(lambda read, write: read))
def test_privileges_tell_the_truth(env, name):
    path, _, _, write = COLLECTIONS[name]
    response = dav.propfind(env.session("bob"), env.url + path, PROPS, "0")
    privileges = response.text.split("current-user-privilege-set")[1]
    assert "<read" in privileges
    assert ("write-content" in privileges) == write


def test_home_listing_shows_every_reachable_collection_and_nothing_else(env):
    response = dav.propfind(env.session("bob"), f"{env.url}/bob/", PROPS, "1")
    hrefs = set(dav.hrefs(response))
    mounted = {path for path, _, read, _ in COLLECTIONS.values()
               if read and path.startswith("/bob/")}
    assert mounted <= hrefs
    assert all(href.startswith("/bob/") for href in hrefs)
    assert "ro (alice)" in response.text and "cal (sales)" in response.text


def test_an_unrelated_user_sees_none_of_it(env):
    dave = env.session("dave")
    assert_no_data(dav.propfind(dave, f"{env.url}/bob/", PROPS, "1"))
    response = dav.propfind(dave, f"{env.url}/dave/", PROPS, "1")
    assert response.status_code == 207
    assert all(href.startswith("/dave/") for href in dav.hrefs(response))
    assert_no_data(dav.propfind(dave, f"{env.url}/groups/sales/", PROPS, "1"))


# -- REPORT --------------------------------------------------------------------------
MULTIGET = ('<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/>'
            '</d:prop><d:href>{path}e1.ics</d:href></c:calendar-multiget>')
QUERY = ('<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" '
         'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/>'
         '</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/>'
         '</c:comp-filter></c:filter></c:calendar-query>')


@pytest.mark.parametrize("kind", ["sync-collection", "multiget", "query"])
@pytest.mark.parametrize("name", cases())
def test_report(env, name, kind):
    path, _, read, _ = COLLECTIONS[name]
    bob = env.session("bob")
    if kind == "sync-collection":
        response, _, statuses = dav.sync_collection(bob, env.url + path)
    else:
        body = MULTIGET.format(path=path) if kind == "multiget" else QUERY
        response = bob.request("REPORT", env.url + path, data=body.encode(),
                               headers={"Content-Type": "application/xml", "Depth": "1"})
    if not read:
        assert_no_data(response)
        return
    assert response.status_code == 207
    hrefs = dav.hrefs(response)
    assert f"{path}e1.ics" in hrefs
    assert all(href.startswith(path) for href in hrefs)


# -- MKCOL / MOVE / PROPPATCH --------------------------------------------------------
@pytest.mark.parametrize("target, allowed", [
    ("/bob/made-by-bob/", True), ("/alice/made-by-bob/", False),
    ("/groups/sales/made-by-bob/", False), ("/groups/made-by-bob/", False),
    ("/bob/alice-ro/", False), ("/carol/kb/sub/", False)])
def test_mkcol(env, target, allowed):
    response = env.session("bob").request(
        "MKCALENDAR", env.url + target, data=dav.MKCALENDAR.format(name="x").encode())
    if allowed:
        assert response.status_code == 201
        return
    assert response.status_code in (403, 405, 409)
    if not target.startswith("/bob/"):
        assert_no_data(dav.propfind(env.session("bob"), env.url + target, PROPS, "0"))


@pytest.mark.parametrize("name", cases())
def test_move_out_of_a_collection(env, name):
    path, _, _, write = COLLECTIONS[name]
    response = env.session("bob").request(
        "MOVE", f"{env.url}{path}mv-{name}.ics",
        headers={"Destination": f"{env.url}/bob/own/moved-{name}.ics"})
    if write:
        assert response.status_code in (201, 204)
        assert owner_get(env, name, f"mv-{name}.ics").status_code == 404
    else:
        assert_no_data(response)
        assert owner_get(env, name, f"mv-{name}.ics").status_code == 200


def test_move_into_an_unwritable_collection_is_refused(env):
    bob = env.session("bob")
    bob.put(f"{env.url}/bob/own/keep.ics", headers=ICS, data=dav.vevent("keep", "k"))
    for target in ("/bob/alice-ro/", "/carol/private/", "/bob/carol-kb/"):
        response = bob.request("MOVE", f"{env.url}/bob/own/keep.ics",
                               headers={"Destination": f"{env.url}{target}keep.ics"})
        assert response.status_code in (403, 409), target
    assert bob.get(f"{env.url}/bob/own/keep.ics").status_code == 200


PROPPATCH = ('<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>'
             '<d:displayname>renamed by bob</d:displayname></d:prop></d:set></d:propertyupdate>')


@pytest.mark.parametrize("name", cases())
def test_proppatch_never_changes_a_collection_bob_may_not_write(env, name):
    path, real, read, write = COLLECTIONS[name]
    response = env.session("bob").request("PROPPATCH", env.url + path, data=PROPPATCH.encode())
    if not read:
        assert_no_data(response)
    owner_view = dav.propfind(env.session(OWNERS[real]), env.url + real, PROPS, "0")
    if not write or path != real:  # a mount's displayname is the sharee's own overlay
        assert "renamed by bob" not in owner_view.text
    else:
        assert response.status_code == 207


# -- path tricks ---------------------------------------------------------------------
@pytest.mark.parametrize("trick", [
    "/bob/../carol/private/e1.ics", "/bob/%2e%2e/carol/private/e1.ics",
    "//carol/private/e1.ics", "/carol//private/e1.ics", "/Carol/private/e1.ics",
    "/carol/PRIVATE/e1.ics", "/carol%2Fprivate/e1.ics", "/bob/own/../../carol/private/e1.ics",
    "/bob/alice-ro/../../carol/private/e1.ics", "/groups/support/../../carol/private/e1.ics"])
def test_path_tricks_grant_nothing(env, trick):
    response = requests.Session().send(requests.Request(
        "GET", env.url + trick, auth=("bob", PASSWORDS["bob"])).prepare())
    assert_no_data(response)


def test_a_mount_name_colliding_with_an_own_collection_grants_nothing(env):
    bob, alice = env.session("bob"), env.session("alice")
    dav.make_calendar(alice, f"{env.url}/alice/clash/", "clash")
    alice.put(f"{env.url}/alice/clash/e1.ics", headers=ICS, data=dav.vevent("c1", SECRET))
    dav.make_calendar(bob, f"{env.url}/bob/alice-clash/", "bob's own")
    result = env.server.cli("share", "grant", "/alice/clash/", "--to", "user:bob")
    assert result.returncode != 0 and "already exists" in result.stderr
    response = bob.get(f"{env.url}/bob/alice-clash/e1.ics")
    assert_no_data(response)


# -- the rights file at run time -------------------------------------------------------
def test_a_broken_rights_file_keeps_the_previous_rules_and_a_fix_applies(env):
    rights = env.server.data_dir / "rights.toml"
    dave = env.session("dave")
    try:
        _write_rights(rights, RIGHTS + "[[grant]]\npath = '/carol/kb/'\nto = 'user:dave'\n")
        assert env.session("bob").get(f"{env.url}/carol/kb/e1.ics").status_code == 200
        assert_no_data(dave.get(f"{env.url}/carol/kb/e1.ics"))
        _write_rights(rights, RIGHTS + "[[grant]]\npath = '/carol/kb/'\nto = 'user:dave'\n"
                      "access = 'read'\n")
        assert dave.get(f"{env.url}/carol/kb/e1.ics").status_code == 200
        assert "/dave/carol-kb/" in dav.hrefs(dav.propfind(dave, f"{env.url}/dave/", PROPS))
    finally:
        _write_rights(rights, RIGHTS)
    assert_no_data(dave.get(f"{env.url}/carol/kb/e1.ics"))


# -- a real CalDAV client ---------------------------------------------------------------
def _bob_calendars(env):
    import caldav
    client = caldav.DAVClient(url=env.url + "/", username="bob", password=PASSWORDS["bob"])
    return {str(cal.url).replace(env.url, ""): cal for cal in client.principal().calendars()}


def test_caldav_client_lists_shared_calendars_with_their_events(env):
    calendars = _bob_calendars(env)
    assert {"/bob/alice-ro/", "/bob/alice-rw/", "/bob/sales-cal/"} <= set(calendars)
    summaries = [str(event.icalendar_component["SUMMARY"])
                 for event in calendars["/bob/alice-ro/"].events()]
    assert SECRET in summaries


def test_caldav_client_save_fails_read_only_and_succeeds_read_write(env):
    import caldav.lib.error
    calendars = _bob_calendars(env)
    with pytest.raises(caldav.lib.error.DAVError):
        calendars["/bob/alice-ro/"].save_event(dav.vevent("cd-ro", "from caldav"))
    calendars["/bob/alice-rw/"].save_event(dav.vevent("cd-rw", "from caldav"))
    alice_view = env.session("alice").get(f"{env.url}/alice/rw/cd-rw.ics")
    assert alice_view.status_code == 200 and "from caldav" in alice_view.text


@pytest.mark.parametrize("name", ["shared-read", "shared-write", "granted-by-file",
                                  "unrelated"])
def test_get_of_the_owners_own_path_follows_the_policy(env, name):
    """The fast GET answers owners only; a sharee or stranger asking for the owner's
    path gets the policy's answer through Radicale."""
    _, real, read, _ = COLLECTIONS[name]
    response = env.session("bob").get(f"{env.url}{real}e1.ics")
    if read:
        assert response.status_code == 200 and SECRET in response.text
    else:
        assert_no_data(response)


# -- revoke and unmount (last: they change the shares) ---------------------------------
def test_revoking_a_share_removes_it_from_the_home(env):
    assert env.session("bob").get(f"{env.url}/alice/rw/e1.ics").status_code == 200
    env.server.cli("share", "revoke", "/alice/rw/", "--to", "user:bob", check=True)
    hrefs = dav.hrefs(dav.propfind(env.session("bob"), f"{env.url}/bob/", PROPS))
    assert "/bob/alice-rw/" not in hrefs
    assert_no_data(env.session("bob").get(f"{env.url}/bob/alice-rw/e1.ics"))
    assert_no_data(env.session("bob").get(f"{env.url}/alice/rw/e1.ics"))
    assert env.session("alice").get(f"{env.url}/alice/rw/e1.ics").status_code == 200


def test_a_sharee_delete_of_a_mount_removes_only_the_mount(env):
    """Radicale alone answers this DELETE with 403; cms_dav's unmount layer turns it into
    the removal of bob's mount (204), and alice's calendar stays."""
    response = env.session("bob").delete(f"{env.url}/bob/alice-ro/")
    assert response.status_code == 204, (response.status_code, response.text)
    assert "/bob/alice-ro/" not in dav.hrefs(
        dav.propfind(env.session("bob"), f"{env.url}/bob/", PROPS))
    assert env.session("alice").get(f"{env.url}/alice/ro/e1.ics").status_code == 200
    assert "/alice/ro/" in dav.hrefs(
        dav.propfind(env.session("alice"), f"{env.url}/alice/", PROPS))
