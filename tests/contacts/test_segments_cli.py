"""``cms-dav segment`` definitions (issue 14 item 3): a bad definition is one clear line
and nothing is saved; list and show tell owner, sources, filter and published books."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cms_dav.app import build_app
from cms_dav.cli import cli
from cms_dav.config import load_settings
from tests.contacts.index_support import book

FIELDS = '[fields.spend]\ntype = "number"\n'


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    store = build_app(load_settings(folder)).store
    book(store, "alice/contacts")
    (folder / "fields.toml").write_text(FIELDS, encoding="utf-8")
    (folder / "rights.toml").write_text('[groups.sales]\nmembers = ["alice", "bob"]\n')
    return folder


def run(data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def saved(data_dir: Path) -> list[object]:
    return list(json.loads(run(data_dir, "segment", "list", "--json").output))


@pytest.mark.parametrize(("args", "problem"), [
    (["--owner", "user:alice", "--from", "/alice/contacts/", "--where", "spend>=5k"],
     "'5k' is not a number"),
    (["--owner", "user:alice", "--from", "/alice/contacts/", "--where", "colour=red"],
     "no field 'colour'"),
    (["--owner", "team:x", "--from", "/alice/contacts/"], "expected user:NAME or group:NAME"),
    (["--owner", "group:nobody", "--from", "/alice/contacts/"], "no group 'nobody'"),
    (["--owner", "user:alice", "--from", "/alice/missing/"], "no such address book"),
])
def test_a_bad_definition_is_one_clear_error_and_nothing_is_saved(data_dir, args, problem):
    result = run(data_dir, "segment", "add", "vip", *args)
    assert result.exit_code != 0
    assert problem in result.output
    assert saved(data_dir) == []


def test_a_reserved_name_is_refused(data_dir):
    result = run(data_dir, "segment", "add", "birthdays", "--owner", "user:alice",
                 "--from", "/alice/contacts/")
    assert result.exit_code != 0 and "segment name 'birthdays'" in result.output


def test_show_names_owner_sources_filter_and_each_members_book(data_dir):
    assert run(data_dir, "segment", "add", "vip", "--owner", "group:sales", "--from",
               "/alice/contacts/", "--where", "spend>=50000", "--not-contacted-since",
               "30d").exit_code == 0
    shown = json.loads(run(data_dir, "segment", "show", "vip", "--json").output)
    assert shown == {"name": "vip", "owner": "group:sales", "sources": ["/alice/contacts/"],
                     "filters": {"where": ["spend>=50000"], "since": "30d"},
                     "books": ["/alice/vip/", "/bob/vip/"]}


def test_removing_an_unknown_segment_is_an_error(data_dir):
    result = run(data_dir, "segment", "remove", "nope")
    assert result.exit_code != 0 and "no segment 'nope'" in result.output


def test_a_member_who_leaves_the_group_loses_the_book_on_the_next_home_listing(data_dir):
    app = build_app(load_settings(data_dir))
    app.store.replace_collection("bob", {}, [], "admin")  # bob's home, as Radicale seeds it
    app.store.replace_collection("groups/sales/leads", {"tag": "VADDRESSBOOK"}, [], "admin")
    assert run(data_dir, "segment", "add", "vip", "--owner", "group:sales", "--from",
               "/groups/sales/leads/", "--where", "spend>=50000").exit_code == 0
    app.segments.bring_home_up_to_date("bob")
    assert app.store.collection("bob/vip") is not None
    (data_dir / "rights.toml").write_text('[groups.sales]\nmembers = ["alice"]\n')
    later = build_app(load_settings(data_dir))  # reads the edited rights file
    later.segments.bring_home_up_to_date("bob")
    assert later.store.collection("bob/vip") is None
    assert later.store.collection("groups/sales/leads") is not None


def test_reindex_marks_every_published_segment_for_a_rebuild(data_dir):
    app = build_app(load_settings(data_dir))
    app.store.replace_collection("alice", {}, [], "admin")
    assert run(data_dir, "segment", "add", "vip", "--owner", "user:alice", "--from",
               "/alice/contacts/", "--where", "spend>=50000").exit_code == 0
    app.segments.bring_home_up_to_date("alice")
    assert app.store.derived_fingerprint("alice/vip") is not None
    assert run(data_dir, "reindex").exit_code == 0
    assert app.store.derived_fingerprint("alice/vip") is None
