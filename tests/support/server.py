"""The real cms_dav server as a subprocess on a free loopback port, for tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.support.processes import terminate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cms_dav_command(data_dir: Path, config: Path | None, *args: str) -> list[str]:
    command = [sys.executable, "-m", "cms_dav", "--data-dir", str(data_dir)]
    if config is not None:
        command += ["--config", str(config)]
    return command + list(args)


@dataclass
class ServerProcess:
    data_dir: Path
    config: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None  # type: ignore[type-arg]
    log_path: Path | None = None
    #: ``serve --workers``; 1 (one process) unless a test is about several
    workers: int = 1
    #: how long :meth:`start` waits for the first answer before it stops the server
    ready_seconds: float = 30.0
    #: the authority a TLS server's certificate is checked against (None: plain HTTP)
    tls_authority: Path | None = None

    @property
    def url(self) -> str:
        scheme = "http" if self.tls_authority is None else "https"
        return f"{scheme}://127.0.0.1:{self.port}"

    def cli(self, *args: str, input: str | None = None,
            check: bool = False) -> subprocess.CompletedProcess[str]:
        """``cms-dav --data-dir ... [--config ...] ARGS`` through its console entry point
        (:func:`cms_dav.cli.main`), in this process with click's stdin/stdout/stderr
        isolation: a subprocess spent most of its seconds starting Python and importing
        cms_dav, once per call. Exit status and both streams are as the command gives
        them; an uncaught exception is exit status 1 with its traceback on stderr, as
        in a process of its own."""
        from click.testing import CliRunner

        from cms_dav.cli import main

        argv = cms_dav_command(self.data_dir, self.config, *args)[3:]  # after "-m cms_dav"
        with CliRunner().isolation(input=input) as (stdout, stderr, _):
            try:
                main(argv)
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None \
                    else 1
            except Exception:  # noqa: BLE001 - a crash of the command is its exit status 1
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            result = subprocess.CompletedProcess(
                ["cms-dav", *argv], code, stdout.getvalue().decode("utf-8", "replace"),
                stderr.getvalue().decode("utf-8", "replace"))
        if check and result.returncode != 0:
            raise AssertionError(f"cms-dav {' '.join(args)} failed: {result.stderr}")
        return result

    def add_user(self, name: str, password: str) -> None:
        """Make ``name`` log in with ``password``. Servers on one PostgreSQL database
        share its users table (``[auth] users = auto``): a user another node's set-up
        added already exists there and gets this password instead."""
        added = self.cli("user", "add", name, "--password-stdin", input=password + "\n")
        if added.returncode != 0 and "already exists" in added.stderr:
            self.cli("user", "passwd", name, "--password-stdin", input=password + "\n",
                     check=True)
        elif added.returncode != 0:
            raise AssertionError(f"cms-dav user add {name} failed: {added.stderr}")

    def start(self, attempt: int = 1) -> "ServerProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"server-{self.port}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            cms_dav_command(self.data_dir, self.config, "serve", "--host", "127.0.0.1",
                            "--port", str(self.port), "--workers", str(self.workers)),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.ready_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "address already in use" in self.log() and attempt < 3:
                    # another process took the free port between free_port() and bind
                    self.port = free_port()
                    return self.start(attempt + 1)
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                requests.request("OPTIONS", self.url + "/", timeout=1,
                                 verify=True if self.tls_authority is None
                                 else str(self.tls_authority))
                return self
            except (requests.ConnectionError, requests.ReadTimeout):
                # not up yet; a worker still starting may accept before it answers
                time.sleep(0.05)
        terminate(self.process)  # never leave a half-started server running
        raise RuntimeError(f"server did not come up within {self.ready_seconds} s:\n"
                           f"{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def stop(self) -> None:
        terminate(self.process)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> "ServerProcess":
        """``with configured_server(...) as server:`` stops it on leaving; entering does
        not start it (:meth:`start` does)."""
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def session(self, user: str, password: str) -> requests.Session:
        session = requests.Session()
        session.auth = (user, password)
        return session


class UsersTemplates:
    """Data directories with users added by ``cms-dav user add``, made once per test run
    and copied into each fresh server's data directory.

    Two CLI runs (Python start-up, migrating a new database, a bcrypt hash each) cost
    seconds per server; a copy costs milliseconds and holds exactly what they made: the
    users file, the migrated SQLite database and its ``user.add`` audit rows. Only for a
    config that keeps the default database and users file (no ``[storage]``/``[auth]``),
    since the CLI would write elsewhere under any other.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._factory = tmp_path_factory
        self._made: dict[tuple[tuple[str, str], ...], Path] = {}

    @staticmethod
    def fits(config_text: str | None) -> bool:
        return config_text is None or not any(
            section in config_text for section in ("[storage]", "[auth]"))

    def copy_into(self, data_dir: Path, users: dict[str, str]) -> None:
        key = tuple(users.items())
        template = self._made.get(key)
        if template is None:
            template = self._factory.mktemp("users-template")
            for name, password in users.items():
                ServerProcess(data_dir=template).add_user(name, password)
            self._made[key] = template
        shutil.copytree(template, data_dir, dirs_exist_ok=True)


def configured_server(data_dir: Path, config_text: str,
                      users: dict[str, str]) -> ServerProcess:
    """A started server on ``data_dir`` with ``config_text`` as its cms-dav.conf and
    ``users`` written straight into the bcrypt users file (cheap rounds: no CLI run; a
    user already there keeps their password)."""
    config = data_dir / "cms-dav.conf"
    config.write_text(config_text, encoding="utf-8")
    return users_server(data_dir, users, config)


def users_server(data_dir: Path, users: dict[str, str], config: Path | None = None,
                 rights: str | None = None) -> ServerProcess:
    """A started server on ``data_dir`` (with ``config`` when given) whose ``users`` are
    written straight into the bcrypt users file (cheap rounds: no CLI run; a user
    already there keeps their password), and with
    ``rights`` as its rights.toml when given."""
    from cms_dav.auth.htpasswd import HtpasswdFile

    users_file = HtpasswdFile(data_dir / "users", rounds=4)  # fast: setup, not security
    for name, password in users.items():
        if not users_file.exists(name):  # a restart on the same data directory
            users_file.add(name, password)
    if rights is not None:
        (data_dir / "rights.toml").write_text(rights)
    return ServerProcess(data_dir=data_dir, config=config).start()
