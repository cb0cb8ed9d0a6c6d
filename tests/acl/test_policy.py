"""The Policy: rights file + shares table, each share cut to its creator's rights."""

import os

from cms_dav.acl.share_table import create


def share_to(user, source, permissions="r"):
    return dict(ShareType="map", PathOrToken=f"/{user}/x/", PathMapped=source,
                Conversion="none", Owner="alice", User=user, Permissions=permissions,
                EnabledByOwner=True, EnabledByUser=True, HiddenByOwner=False,
                HiddenByUser=False)


def test_a_share_made_in_this_process_takes_effect_at_once(policy, store):
    assert policy.authorization("dave", "/alice/cal/") == ""
    with store.writing() as conn:
        create(conn, "alice", share_to("dave", "/alice/cal/"))
    policy.shares_changed()
    assert policy.authorization("dave", "/alice/cal/") == "r"


def test_a_rights_file_change_drops_cached_answers(policy):
    assert policy.authorization("dave", "/groups/support/") == ""
    path = policy.file.path
    stat = path.stat()
    path.write_text(path.read_text().replace('members = ["carol"]', 'members = ["carol", "dave"]'))
    os.utime(path, ns=(stat.st_mtime_ns + 10**9, stat.st_mtime_ns + 10**9))
    assert policy.authorization("dave", "/groups/support/") == "R"


def test_a_depth_one_listing_does_not_query_per_item(policy, monkeypatch):
    from cms_dav.acl import share_grants
    from cms_dav.memo import Memo
    calls = []
    real = share_grants.grants_for
    monkeypatch.setattr(share_grants, "grants_for", lambda conn, user: (
        calls.append(user), real(conn, user))[1])
    one_request = policy.remembering(Memo())  # answers are kept in the memo, never longer
    for number in range(1000):
        one_request.authorization("dave", f"/alice/cal/{number}.ics")
    assert len(calls) == 1
    policy.remembering(Memo()).authorization("dave", "/alice/cal/0.ics")
    assert len(calls) == 2


def test_a_policy_without_a_memo_asks_the_database_every_time(policy, monkeypatch):
    from cms_dav.acl import share_grants
    calls = []
    real = share_grants.grants_for
    monkeypatch.setattr(share_grants, "grants_for", lambda conn, user: (
        calls.append(user), real(conn, user))[1])
    policy.authorization("dave", "/alice/cal/0.ics")
    policy.authorization("dave", "/alice/cal/0.ics")
    assert len(calls) == 2


def test_the_owners_letters_on_an_own_collection_need_no_share_lookup(policy, store,
                                                                       monkeypatch):
    """Shares give at most r, w and M (cut to their creator's letters), which the owner
    of a collection holds already: a share to a group the owner is in changes nothing."""
    from cms_dav.acl import share_grants
    before = policy.authorization("alice", "/alice/cal/")
    with store.writing() as conn:
        create(conn, "alice", dict(share_to("bob", "/alice/cal/", "rwifD"), User=":sales",
                                   PathOrToken="/alice/x/"))
    policy.shares_changed()
    calls = []
    monkeypatch.setattr(share_grants, "grants_for", lambda conn, user: calls.append(user) or [])
    assert policy.authorization("alice", "/alice/cal/") == before == "Mrw"
    assert policy.reads_own("alice", "/alice/cal/") and not policy.reads_own("bob",
                                                                             "/alice/cal/")
    assert calls == []


def test_a_share_made_through_a_remembering_policy_clears_its_memo(policy, store):
    from cms_dav.memo import Memo
    remembering = policy.remembering(Memo())
    assert remembering.authorization("dave", "/alice/cal/") == ""
    with store.writing() as conn:
        create(conn, "alice", share_to("dave", "/alice/cal/"))
    remembering.shares_changed()
    assert remembering.authorization("dave", "/alice/cal/") == "r"


def test_a_share_gives_no_more_than_its_creator_holds(policy, store):
    with store.writing() as conn:
        create(conn, "alice", share_to("dave", "/alice/cal/", "r"))
        # dave (read only) "shares" write with erin: erin gets what dave holds, read
        create(conn, "dave", dict(share_to("erin", "/alice/cal/", "rw"), Owner="dave"))
    assert policy.authorization("erin", "/alice/cal/") == "r"


def test_a_share_dies_with_its_creators_share(policy, store):
    with store.writing() as conn:
        first = create(conn, "alice", share_to("dave", "/alice/cal/", "rwD"))
        create(conn, "dave", dict(share_to("erin", "/alice/cal/", "rw"), Owner="dave"))
    assert policy.authorization("erin", "/alice/cal/") == "rw"
    with store.writing() as conn:
        from sqlalchemy import delete
        from cms_dav.store.schema import shares
        conn.execute(delete(shares).where(shares.c.id == first))
    assert policy.authorization("erin", "/alice/cal/") == ""


def test_shares_in_a_cycle_grant_nothing_the_owner_did_not(policy, store):
    with store.writing() as conn:
        create(conn, "dave", dict(share_to("erin", "/alice/cal/", "rw"), Owner="dave"))
        create(conn, "erin", dict(share_to("dave", "/alice/cal/", "rw"), Owner="erin"))
    assert policy.authorization("erin", "/alice/cal/") == ""
    assert policy.authorization("dave", "/alice/cal/") == ""


def test_sources_name_the_share_id(policy, store):
    with store.writing() as conn:
        new_id = create(conn, "alice", share_to("dave", "/alice/cal/"))
    assert [(s.kind, s.ref) for s in policy.sources("dave", "/alice/cal/")] == [
        ("share", f"share {new_id}")]


def _generated_calendar(store):
    from cms_dav.acl.generated import MARKER
    store.ensure_folder("alice", "test")
    store.create_derived("alice/birthdays", {"tag": "VCALENDAR", MARKER: "birthdays"},
                         MARKER, "test")


def test_a_generated_collection_the_request_already_resolved_keeps_only_reading(
        policy, store, monkeypatch):
    """The generated-collection test reads the store's lookup of the same request (a PUT
    resolves its object's path first), and still cuts the owner's letters to reading."""
    from cms_dav.acl import generated
    from cms_dav.memo import Memo
    _generated_calendar(store)
    memo = Memo()
    assert store.resolve("alice/birthdays/x.ics", memo) is None  # finds the calendar too
    monkeypatch.setattr(generated, "generated_kind", lambda conn, path: (
        _ for _ in ()).throw(AssertionError("queried again")))
    one_request = policy.remembering(memo)
    assert one_request.generated_kind("/alice/birthdays/x.ics") == "birthdays"
    assert one_request.authorization("alice", "/alice/birthdays/x.ics") == "r"

