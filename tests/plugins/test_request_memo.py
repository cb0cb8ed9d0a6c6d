"""The Radicale adapters keep repeated lookups in the request's memo (Radicale asks for
rights once per item of a Depth-1 PROPFIND and for the same path several times), and a
write through a door during a request is seen by the next lookup in that request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from radicale import rights, sharing, storage

from cms_dav import request_context
from cms_dav.config import load_settings
from cms_dav.request_context import RequestContext
from cms_dav.app import build_app

RIGHTS = 'admins = ["root"]\n'


@dataclass
class Doors:
    """The plugins as Radicale loads them from the configuration cms_dav gives it."""

    storage: Any
    rights: Any
    sharing: Any


@pytest.fixture
def doors(tmp_path: Path) -> Iterator[Doors]:
    (tmp_path / "rights.toml").write_text(RIGHTS, encoding="utf-8")
    app = build_app(load_settings(tmp_path))
    configuration = app.radicale_configuration()
    loaded = Doors(storage.load(configuration), rights.load(configuration),
                   sharing.load(configuration))
    with loaded.storage.acquire_lock("w", "alice", path="/alice/"):
        loaded.storage.create_collection("/alice/")  # alice's home with contacts, calendar
    yield loaded
    app.close()


@pytest.fixture
def one_request() -> Iterator[RequestContext]:
    with request_context.made_current(RequestContext()) as context:
        yield context


def share_for_dave(**fields: Any) -> dict[str, Any]:
    return dict(ShareType="map", PathOrToken="/dave/alice-calendar/",
                PathMapped="/alice/calendar/", Conversion="none", Owner="root", User="dave",
                Permissions="r", EnabledByOwner=True, EnabledByUser=True,
                HiddenByOwner=False, HiddenByUser=False, Timestamp=1, Properties=None,
                Actions=None, **fields)


def found(doors: Doors, path: str) -> list[str]:
    return [getattr(entry, "path", None) or entry.href for entry in doors.storage.discover(path)]


def test_a_share_created_through_the_sharing_door_is_seen_by_the_next_rights_lookup(
        doors: Doors, one_request: RequestContext) -> None:
    assert doors.rights.authorization("dave", set(), "/alice/calendar/") == ""
    assert doors.sharing.database_create_sharing(**share_for_dave())["status"] == "success"
    assert doors.rights.authorization("dave", set(), "/alice/calendar/") == "r"


def test_a_share_deleted_through_the_sharing_door_is_gone_for_the_next_lookup(
        doors: Doors, one_request: RequestContext) -> None:
    doors.sharing.database_create_sharing(**share_for_dave())
    assert doors.rights.authorization("dave", set(), "/alice/calendar/") == "r"
    assert [row["PathOrToken"] for row in doors.sharing.database_list_sharing(
        ShareType="map", User="dave")] == ["/dave/alice-calendar/"]
    assert doors.sharing.database_delete_sharing(
        "map", "/dave/alice-calendar/", "root")["status"] == "success"
    assert doors.rights.authorization("dave", set(), "/alice/calendar/") == ""
    assert doors.sharing.database_list_sharing(ShareType="map", User="dave") == []


def test_a_collection_created_through_the_storage_door_is_found_by_the_next_lookup(
        doors: Doors, one_request: RequestContext) -> None:
    with doors.storage.acquire_lock("w", "alice", path="/alice/work/"):
        assert found(doors, "/alice/work/") == []
        doors.storage.create_collection("/alice/work/", props={"tag": "VADDRESSBOOK"})
        assert found(doors, "/alice/work/") == ["alice/work"]


def test_a_collection_deleted_through_the_storage_door_is_gone_for_the_next_lookup(
        doors: Doors, one_request: RequestContext) -> None:
    with doors.storage.acquire_lock("w", "alice", path="/alice/contacts/"):
        [book] = doors.storage.discover("/alice/contacts/")
        book.delete()
        assert found(doors, "/alice/contacts/") == []


def test_rights_are_looked_up_once_per_request_not_once_per_item(
        doors: Doors, monkeypatch: pytest.MonkeyPatch) -> None:
    from cms_dav.acl import share_grants
    queries: list[str] = []
    real = share_grants.grants_for
    monkeypatch.setattr(share_grants, "grants_for", lambda conn, user: (
        queries.append(user), real(conn, user))[1])
    with request_context.made_current(RequestContext()):
        for number in range(200):  # a Depth-1 PROPFIND over 200 cards
            doors.rights.authorization("dave", set(), f"/alice/contacts/{number}.vcf")
    assert queries == ["dave"]
    with request_context.made_current(RequestContext()):  # the next request asks again
        doors.rights.authorization("dave", set(), "/alice/contacts/0.vcf")
    assert queries == ["dave", "dave"]


def test_a_path_is_resolved_once_per_request(
        doors: Doors, monkeypatch: pytest.MonkeyPatch) -> None:
    store = doors.storage.store
    resolved: list[str] = []
    real = store._resolve  # the lookup itself, under Store.resolve's memo
    monkeypatch.setattr(store, "_resolve", lambda path, memo, *uid: (
        resolved.append(path), real(path, memo, *uid))[1])
    with request_context.made_current(RequestContext()):
        for _ in range(5):
            assert found(doors, "/alice/contacts/") == ["alice/contacts"]
    assert resolved == ["alice/contacts"]


def test_outside_a_request_every_lookup_asks_again(
        doors: Doors, monkeypatch: pytest.MonkeyPatch) -> None:
    store = doors.storage.store
    resolved: list[str] = []
    real = store._resolve  # the lookup itself, under Store.resolve's memo
    monkeypatch.setattr(store, "_resolve", lambda path, memo, *uid: (
        resolved.append(path), real(path, memo, *uid))[1])
    found(doors, "/alice/contacts/")
    found(doors, "/alice/contacts/")
    assert resolved == ["alice/contacts", "alice/contacts"]


def test_looking_up_an_item_path_answers_its_collection_too(
        doors: Doors, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PUT asks for the card's path, then for its address book (issue 19)."""
    store = doors.storage.store
    resolved: list[str] = []
    real = store._resolve
    monkeypatch.setattr(store, "_resolve", lambda path, memo, *uid: (
        resolved.append(path), real(path, memo, *uid))[1])
    with request_context.made_current(RequestContext()):
        assert found(doors, "/alice/contacts/new.vcf") == []
        assert found(doors, "/alice/contacts/") == ["alice/contacts"]
    assert resolved == ["alice/contacts/new.vcf"]
