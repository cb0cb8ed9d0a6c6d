"""The rights file is distributed like any config file (issue 17 item 2): each node
reads its own copy and looks at its mtime/size/inode at most once per
``watched_file.CHECK_INTERVAL`` (1 s), so an edit rolled out to every node's copy is in
force on each node within that second; nothing about it is in the database."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from cms_dav.config.watched_file import CHECK_INTERVAL
from tests.nodes.conftest import started_nodes
from tests.support.dav import make_addressbook, put_card, vcard
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw"}
CARD = "/alice/team/c1.vcf"
GRANT = '[[grant]]\npath = "/alice/team/"\nto = "user:bob"\naccess = "read"\n'


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerProcess]]:
    def prepare(index: int, node: ServerProcess) -> None:
        write_atomically(node.data_dir / "rights.toml", "admins = []\n")
        if index == 0:
            for user, password in PASSWORDS.items():
                node.add_user(user, password)  # into the shared users table

    with started_nodes(tmp_path_factory.mktemp("rights-nodes"), 2,
                       "[storage]\ndatabase_url = {url}\n", prepare) as started:
        alice = session(started[0], "alice")
        make_addressbook(alice, started[0].url + "/alice/team/", "Team")
        assert put_card(alice, started[0].url + CARD, vcard("c1", "Team Card")
                        ).status_code == 201
        yield started


def session(node: ServerProcess, user: str) -> requests.Session:
    return node.session(user, PASSWORDS[user])


def write_atomically(path: Path, text: str) -> None:
    """As a config-management tool rolls a file out: a new file renamed over the old."""
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def test_a_rights_file_edit_is_effective_through_every_node_within_the_check_interval(
        nodes: list[ServerProcess]) -> None:
    assert [session(node, "bob").get(node.url + CARD).status_code for node in nodes] \
        == [403, 403]
    for node in nodes:  # the same edit on every node's copy
        write_atomically(node.data_dir / "rights.toml", "admins = []\n" + GRANT)
    time.sleep(CHECK_INTERVAL + 0.1)  # the documented lifetime of a parsed rights file
    assert [session(node, "bob").get(node.url + CARD).status_code for node in nodes] \
        == [200, 200]
