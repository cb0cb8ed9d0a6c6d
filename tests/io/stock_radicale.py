"""A stock Radicale 3.9 (multifilesystem, htpasswd bcrypt, owner_only) for migration tests."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import requests

from tests.support.processes import terminate
from tests.support.server import free_port


@dataclass
class StockRadicale:
    root: Path
    users: dict[str, str]
    port: int = 0
    process: subprocess.Popen | None = None  # type: ignore[type-arg]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def storage(self) -> Path:
        return self.root / "collections"

    @property
    def htpasswd(self) -> Path:
        return self.root / "users"

    def start(self) -> "StockRadicale":
        self.port = free_port()
        self.htpasswd.write_text("".join(
            f"{name}:{bcrypt.hashpw(pw.encode(), bcrypt.gensalt(4)).decode()}\n"
            for name, pw in self.users.items()))
        config = self.root / "radicale.conf"
        config.write_text(f"""[server]
hosts = 127.0.0.1:{self.port}
[auth]
type = htpasswd
htpasswd_filename = {self.htpasswd}
htpasswd_encryption = bcrypt
[rights]
type = owner_only
[storage]
type = multifilesystem
filesystem_folder = {self.storage}
[web]
type = none
""")
        log = (self.root / "radicale.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "radicale", "-C", str(config)],
                                        stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.root / "radicale.log").read_text())
            try:
                requests.request("OPTIONS", self.url + "/", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("stock Radicale did not come up")

    def session(self, user: str) -> requests.Session:
        session = requests.Session()
        session.auth = (user, self.users[user])
        return session

    def stop(self) -> None:
        terminate(self.process)
