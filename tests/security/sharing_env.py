"""A running server with alice, bob, carol, dave and a rights file, for the sharing tests.

alice owns the collections; bob gets read shares, carol is in group ``team`` (write
shares), dave is nobody's sharee, root is a rights-file admin. Each test makes its own
collections (``fresh_book``), so tests of one module do not depend on each other.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import requests

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support import dav
from tests.support.server import ServerProcess

PASSWORDS = {name: f"{name}-sharing-pw" for name in ("alice", "bob", "carol", "dave", "root")}
RIGHTS = 'admins = ["root"]\n[groups.team]\nmembers = ["carol"]\n'
CONFIG = "[sharing]\npublic_links = {links}\nlink_days = 30\n"
VCARD = {"Content-Type": "text/vcard; charset=utf-8"}


@dataclass
class SharingEnv:
    server: ServerProcess
    counter: Iterator[int] = field(default_factory=itertools.count)
    sessions: dict[str, requests.Session] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def session(self, user: str) -> requests.Session:
        """The user's session (kept: one connection per user, as a client would)."""
        if user not in self.sessions:
            self.sessions[user] = self.server.session(user, PASSWORDS[user])
        return self.sessions[user]

    def cli(self, *args: str, input: str | None = None) -> str:
        """``cms-dav ARGS`` against the server's data dir and config, in this process
        (the same commands an admin runs; no interpreter start per call). Returns stdout."""
        from click.testing import CliRunner

        from cms_dav.cli import cli
        result = CliRunner().invoke(cli, ["--data-dir", str(self.server.data_dir),
                                          "--config", str(self.server.config), *args],
                                    input=input, catch_exceptions=False)
        assert result.exit_code == 0, f"cms-dav {' '.join(args)}: {result.output}"
        return result.stdout

    def anonymous(self) -> requests.Session:
        return requests.Session()

    def api(self, user: str, call: str, body: Any, **headers: str) -> requests.Response:
        """POST a JSON body to ``/.sharing/v1/<call>`` as ``user``."""
        return self.session(user).post(f"{self.url}/.sharing/v1/{call}", json=body,
                                       headers={"Accept": "application/json", **headers})

    def fresh_book(self, owner: str = "alice") -> str:
        """A new address book of ``owner`` holding one card ``seed.vcf``; returns its path."""
        path = f"/{owner}/book{next(self.counter)}-{uuid.uuid4().hex[:6]}/"
        session = self.session(owner)
        dav.make_addressbook(session, self.url + path, path.strip("/"))
        dav.put_card(session, f"{self.url}{path}seed.vcf",
                     dav.vcard(f"seed-{path}", "Seed Card")).raise_for_status()
        return path

    def share(self, owner: str, path: str, user: str, permissions: str,
              accept: bool = True) -> str:
        """``owner`` shares ``path`` with ``user`` through the API; the sharee accepts."""
        mount = f"/{user}/{path.strip('/').replace('/', '-')}/" \
            if not user.startswith(":") else f"/{{user}}/{path.strip('/').replace('/', '-')}/"
        created = self.api(owner, "map/create", {
            "PathMapped": path, "PathOrToken": mount, "User": user,
            "Permissions": permissions, "Enabled": True, "Hidden": False})
        assert created.status_code == 200, created.text
        if accept and not user.startswith(":"):
            for toggle in ("enable", "unhide"):
                answer = self.api(user, f"map/{toggle}", {"PathOrToken": mount})
                assert answer.status_code == 200, answer.text
        return mount

    def put_card(self, user: str, path: str, name: str) -> requests.Response:
        return dav.put_card(self.session(user), f"{self.url}{path}{name}.vcf",
                            dav.vcard(f"{name}-{uuid.uuid4().hex[:6]}", f"Card {name}"))

    def token(self, user: str, path: str, permissions: str | None = None
              ) -> requests.Response:
        body: dict[str, Any] = {"PathMapped": path, "Enabled": True, "Hidden": False}
        if permissions is not None:
            body["Permissions"] = permissions
        return self.api(user, "token/create", body)


def start(tmp: Path, public_links: bool = True) -> SharingEnv:
    (tmp / "rights.toml").write_text(RIGHTS)
    config = tmp / "cms-dav.conf"
    config.write_text(CONFIG.format(links="true" if public_links else "false"))
    server = ServerProcess(data_dir=tmp, config=config)
    users = HtpasswdFile(tmp / "users", rounds=4)  # fast hashes: setup, not security
    for name, password in PASSWORDS.items():
        users.add(name, password)
    server.start()
    env = SharingEnv(server)
    for name in PASSWORDS:  # create every home (and its predefined collections)
        env.session(name).request("PROPFIND", f"{server.url}/{name}/", headers={"Depth": "0"})
    return env
