"""The SQL share database as Radicale's sharing layer sees it."""

from sqlalchemy import select

from cms_dav.store.schema import audit


def map_share(owner, source, user, mount, permissions="r"):
    return dict(ShareType="map", PathOrToken=mount, PathMapped=source, Conversion="none",
                Owner=owner, User=user, Permissions=permissions, EnabledByOwner=True,
                EnabledByUser=True, HiddenByOwner=False, HiddenByUser=False, Timestamp=1,
                Properties={"D:displayname": "Team calendar (alice)"}, Actions=None)


def test_a_created_share_is_found_by_its_mount_and_user(share_database, make_collection):
    make_collection("alice/team-cal")
    assert share_database.create(**map_share("alice", "/alice/team-cal/", "bob", "/bob/team-cal/"))[
        "status"] == "success"
    # alice is no admin: the share waits for bob's consent (OnlyEnabled=False finds it)
    assert share_database.get("map", "/bob/team-cal/", User="bob:sales") is None
    share = share_database.get("map", "/bob/team-cal/", OnlyEnabled=False, User="bob:sales")
    assert (share["PathMapped"], share["Owner"], share["Permissions"]) == (
        "/alice/team-cal/", "alice", "r")


def test_a_share_is_visible_to_a_second_instance_at_once(share_database, policy, store,
                                                          make_collection):
    from cms_dav.acl.share_database import ShareDatabase
    from cms_dav.store.engine import open_engine
    other_node = ShareDatabase(open_engine(store.engine.url.render_as_string(False)), policy)
    other_node.list(User="bob")  # warm whatever could be cached
    make_collection("alice/team-cal")
    share_database.create(**map_share("alice", "/alice/team-cal/", "bob", "/bob/team-cal/"))
    assert [s["PathOrToken"] for s in other_node.list(ShareType="map", User="bob")] == [
        "/bob/team-cal/"]


def test_a_duplicate_share_is_a_conflict(share_database, make_collection):
    make_collection("alice/team-cal")
    share = map_share("alice", "/alice/team-cal/", "bob", "/bob/team-cal/")
    share_database.create(**share)
    assert share_database.create(**share)["status"] == "conflict"


def test_a_mount_outside_the_sharees_home_is_refused(share_database, make_collection):
    make_collection("alice/team-cal")
    result = share_database.create(**map_share("alice", "/alice/team-cal/", "bob", "/carol/x/"))
    assert result["status"] == "permission-denied"
    assert share_database.list(ShareType="map") == []


def test_a_mount_on_an_existing_own_collection_is_refused(share_database, make_collection):
    make_collection("alice/team-cal")
    make_collection("bob/team-cal")
    result = share_database.create(**map_share("alice", "/alice/team-cal/",
                                               "bob", "/bob/team-cal/"))
    assert result["status"] == "conflict"


def test_a_group_share_resolves_for_each_member(share_database, make_collection):
    make_collection("alice/team-cal")
    share_database.create(**map_share("alice", "/alice/team-cal/", ":sales", "/{user}/team-cal/"))
    assert share_database.get("map", "/bob/team-cal/", OnlyEnabled=False,
                       User="bob:sales")["User"] == "bob"
    assert share_database.get("map", "/carol/team-cal/", OnlyEnabled=False,
                       User="carol:support") is None


def test_creating_and_deleting_a_share_is_audited(share_database, store, make_collection):
    make_collection("alice/team-cal")
    share_database.create(**map_share("alice", "/alice/team-cal/", "bob", "/bob/team-cal/"))
    share_database.delete("map", "/bob/team-cal/", "alice")
    with store.reading() as conn:
        actions = [row.action for row in conn.execute(select(audit).order_by(audit.c.id))]
    assert actions[-2:] == ["share.create", "share.delete"]


def test_a_sharee_unmount_removes_only_their_personal_share(share_database, make_collection):
    make_collection("alice/team-cal")
    share_database.create(**map_share("alice", "/alice/team-cal/", "bob", "/bob/team-cal/"))
    assert share_database.unmount("bob", "/bob/team-cal/") is True
    assert share_database.get("map", "/bob/team-cal/", OnlyEnabled=False, User="bob") is None


def test_a_sharee_unmount_of_a_group_share_hides_it_for_that_member_only(
        share_database, make_collection):
    make_collection("alice/team-cal")
    # made by the admin: effective at once for every member, no acceptance needed
    share_database.create(**map_share("root", "/alice/team-cal/", ":sales", "/{user}/team-cal/"))
    assert share_database.unmount("bob", "/bob/team-cal/") is True
    visible = dict(EnabledByOwner=True, EnabledByUser=True, HiddenByOwner=False,
                   HiddenByUser=False)
    assert share_database.list(ShareType="map", User="bob:sales", **visible) == []
    assert [s["PathOrToken"] for s in share_database.list(ShareType="map", User="alice:sales",
                                                    **visible)] == ["/alice/team-cal/"]


def test_group_collections_and_granted_collections_are_mounted_in_the_home(
        share_database, make_collection):
    make_collection("groups/sales/contacts", tag="VADDRESSBOOK", displayname="Sales contacts")
    make_collection("carol/kb", tag="VADDRESSBOOK")
    bob = {s["PathOrToken"]: s for s in share_database.list(ShareType="map", User="bob:sales")}
    assert bob["/bob/sales-contacts/"]["PathMapped"] == "/groups/sales/contacts/"
    assert bob["/bob/sales-contacts/"]["Properties"]["D:displayname"] == "Sales contacts (sales)"
    dave = {s["PathOrToken"]: s for s in share_database.list(ShareType="map", User="dave")}
    assert list(dave) == ["/dave/carol-kb/"]


def test_a_rights_file_mount_cannot_be_deleted_by_the_user(share_database, make_collection):
    make_collection("carol/kb", tag="VADDRESSBOOK")
    assert share_database.delete("map", "/dave/carol-kb/", "dave")["status"] == "permission-denied"
    assert share_database.unmount("dave", "/dave/carol-kb/") is False


def test_an_own_collection_named_like_a_mount_hides_the_mount(share_database, make_collection):
    make_collection("carol/kb", tag="VADDRESSBOOK")
    make_collection("dave/carol-kb", tag="VADDRESSBOOK")
    assert share_database.get("map", "/dave/carol-kb/", User="dave") is None


def test_a_write_through_a_remembering_share_database_clears_its_memo(
        share_database, make_collection):
    from cms_dav.memo import Memo
    make_collection("alice/team-cal")
    one_request = share_database.remembering(Memo())
    one_request.create(**map_share("alice", "/alice/team-cal/", "bob", "/bob/team-cal/"))
    assert one_request.unmount("bob", "/bob/team-cal/") is True  # looks the share up first
    assert one_request.list(ShareType="map", User="bob") == []


def test_a_remembering_share_database_asks_the_database_once(share_database, monkeypatch):
    from cms_dav.acl import share_table
    from cms_dav.memo import Memo
    queries = []
    real = share_table.candidates
    monkeypatch.setattr(share_table, "candidates", lambda conn, *args: (
        queries.append(args), real(conn, *args))[1])
    one_request = share_database.remembering(Memo())
    for _ in range(3):
        one_request.list(ShareType="map", User="bob")
    assert len(queries) == 1
