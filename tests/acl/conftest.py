"""Fixtures for the ACL unit tests: a migrated SQLite store and a rights file."""

import pytest

from cms_dav.acl.policy import Policy
from cms_dav.acl.rightsfile import RightsFile
from cms_dav.acl.share_database import ShareDatabase
from cms_dav.store.store import Store

RIGHTS = '''
admins = ["root"]
[groups.sales]
members = ["alice", "bob"]
[groups.support]
members = ["carol"]
[[grant]]
path = "/carol/kb/"
to = "user:dave"
access = "read"
'''


@pytest.fixture
def store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")


@pytest.fixture
def make_collection(store):
    def make(path, tag="VCALENDAR", displayname=None):
        props = {"tag": tag}
        if displayname:
            props["D:displayname"] = displayname
        store.ensure_folder(path.split("/")[0], "test")
        if path.count("/") == 2:
            store.ensure_folder("/".join(path.split("/")[:2]), "test")
        store.replace_collection(path, props, [], "test")
    return make


@pytest.fixture
def policy(tmp_path, store):
    path = tmp_path / "rights.toml"
    path.write_text(RIGHTS)
    return Policy(RightsFile(path, check_interval=0), store.engine)


@pytest.fixture
def share_database(store, policy):
    return ShareDatabase(store.engine, policy)
