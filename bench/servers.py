"""The servers under test, each its own subprocess on a free loopback port.

Stock Radicale is configured the way a careful admin would run it (bcrypt htpasswd
with the login cache on, owner_only rights, no web UI, quiet logs); cms_dav is set up
with its own two commands (``user add``, ``serve``) exactly as the README tells users.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import bcrypt

from bench.dav import DavClient, HttpError

USER = "bench"
PASSWORD = "bench-password-1"
HOST = "127.0.0.1"
#: how long a look at a server's CPU use lasts, and below which share it counts as idle
IDLE_WINDOW = 0.25
IDLE_SHARE = 0.05


class ServerUnavailable(Exception):
    """The server could not be started; the benchmark reports its column as n/a."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 120.0) -> None:
    """Until something on loopback accepts a connection on ``port`` (a server started
    by a pair script is up); raises OSError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return pids


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (for waiting until an abandoned request ends)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sched_seconds(pid: int) -> tuple[float, float]:
    """(time on a CPU, time waiting on a run queue) of every thread of the process, in
    seconds, from ``/proc/PID/task/*/schedstat`` (nanoseconds, unlike the 10 ms ticks of
    ``stat``): how much of a request's wall time the server computed, and how much it
    waited for a core the machine's other work held."""
    run = wait = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:
            continue
        run, wait = run + int(fields[0]), wait + int(fields[1])
    return run / 1e9, wait / 1e9


#: SQLite's write-ahead log and its index: reported apart from the data (issue 19)
WAL_SUFFIXES = ("-wal", "-shm")


def disk_bytes(path: Path, wal: bool | None = None) -> int:
    """Allocated bytes (st_blocks), i.e. what the data really costs on disk.
    ``wal``: None counts every file, False all but SQLite's ``-wal``/``-shm`` files,
    True only those."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            if wal is not None and name.endswith(WAL_SUFFIXES) != wal:
                continue
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                continue
    return total


class Server:
    """Common lifecycle: start, wait until an authenticated request succeeds, measure, stop."""

    key = "server"
    label = "server"
    #: whether the per-operation time cap applies (the system under test is never capped)
    capped = False

    def __init__(self, workdir: Path, python: str) -> None:
        self.workdir = workdir
        self.python = python
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"{self.key}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Write configuration and users before the process starts."""

    def start(self, timeout: float = 60.0) -> None:
        self.prepare()
        self.launch(timeout)

    def restart(self, timeout: float = 60.0) -> None:
        """Same data, fresh process: peak memory then covers only what follows."""
        self.stop()
        self.launch(timeout)

    def launch(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        client = self.client(timeout=5)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerUnavailable(f"{self.label} exited with status {self.proc.returncode}: "
                                        f"{_tail(self.log)}")
            try:
                client.propfind(f"/{USER}/", b"", "0")
                return
            except (OSError, HttpError):
                time.sleep(0.2)
            finally:
                client.close()
        self.stop()
        raise ServerUnavailable(f"{self.label} did not answer within {timeout:.0f} s: "
                                f"{_tail(self.log)}")

    def client(self, timeout: float) -> DavClient:
        return DavClient(HOST, self.port, USER, PASSWORD, timeout)

    def peak_memory_bytes(self) -> int:
        """VmHWM (peak resident set) summed over the server's process tree."""
        if self.proc is None:
            return 0
        return sum(_status_kb(pid, "VmHWM") for pid in _process_tree(self.proc.pid)) * 1024

    def data_bytes(self) -> int:
        raise NotImplementedError

    def load_args(self) -> list[str]:
        """``bench.load_fill``'s arguments that say where this server keeps its data."""
        raise NotImplementedError

    def start_load(self, size: int, events: int, seed: int) -> subprocess.Popen[bytes]:
        """``--fill load``: :mod:`bench.load_fill` fills the stopped server's storage
        in-process (the caller waits for it with :meth:`finish_load`)."""
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        with self.log.open("ab") as log:
            return subprocess.Popen([self.python, "-m", "bench.load_fill", *self.load_args(),
                                     "--size", str(size), "--events", str(events),
                                     "--seed", str(seed)], stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.workdir, env=env)

    def finish_load(self, proc: subprocess.Popen[bytes], timeout: float = 7200.0) -> None:
        if proc.wait(timeout=timeout) != 0:
            raise RuntimeError(f"{self.label}: bench.load_fill failed ({proc.returncode}): "
                               f"{_tail(self.log)}")

    def wal_bytes(self) -> int:
        """The write-ahead log, not counted in :meth:`data_bytes` (0 without one)."""
        return 0

    def cpu_seconds(self) -> float:
        if self.proc is None:
            return 0.0
        return sum(cpu_seconds(pid) for pid in _process_tree(self.proc.pid))

    def sched_seconds(self) -> tuple[float, float, float]:
        """:func:`sched_seconds` summed over the process tree, and its ``stat``
        utime + stime: schedstat has nanoseconds but only for the threads alive now (a
        server with a thread per connection, as stock Radicale, loses a request's
        thread before it is read), ``stat`` counts ended threads too, in 10 ms ticks."""
        if self.proc is None:
            return 0.0, 0.0, 0.0
        tree = _process_tree(self.proc.pid)
        pairs = [sched_seconds(pid) for pid in tree]
        return (sum(p[0] for p in pairs), sum(p[1] for p in pairs),
                sum(cpu_seconds(pid) for pid in tree))

    def cpu_share(self, window: float = IDLE_WINDOW) -> float:
        """The share of one core the server's process tree used over ``window`` seconds
        (an idle server: about 0)."""
        before = self.cpu_seconds()
        time.sleep(window)
        return (self.cpu_seconds() - before) / window

    def wait_idle(self, limit: float = 600.0) -> float:
        """After a client gave up on a request the server may still be busy with it;
        wait until it stops burning CPU so it does not disturb the next measurement.
        Returns the CPU share of the last look (above ``IDLE_SHARE``: still busy)."""
        deadline = time.monotonic() + limit
        share = self.cpu_share()
        while share >= IDLE_SHARE and time.monotonic() < deadline:
            share = self.cpu_share()
        return share

    def stop(self, timeout: float = 300.0) -> None:
        """Terminate and wait: a cms_dav that closes its database after a big untimed
        fill checkpoints the write-ahead log first (hundreds of MB at 100k); killed in
        it, the next process would copy the WAL while the measurements run."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class RadicaleServer(Server):
    key = "radicale"
    label = "Radicale 3.9"
    capped = True

    def __init__(self, workdir: Path, python: str) -> None:
        super().__init__(workdir / "radicale", python)
        self.workdir.mkdir(parents=True)
        self.collections = self.workdir / "collections"

    def prepare(self) -> None:
        digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt()).decode()
        (self.workdir / "users").write_text(f"{USER}:{digest}\n", encoding="utf-8")
        # delay only applies to failed logins, which the benchmark never makes; the
        # login cache expiry matches cms_dav's default (300 s) so both skip bcrypt alike.
        (self.workdir / "config").write_text(f"""\
[server]
hosts = {HOST}:{self.port}
max_connections = 8
max_content_length = 1000000000
timeout = 600

[auth]
type = htpasswd
htpasswd_filename = {self.workdir / "users"}
htpasswd_encryption = bcrypt
cache_logins = True
cache_successful_logins_expiry = 300

[rights]
type = owner_only

[storage]
type = multifilesystem
filesystem_folder = {self.collections}

[web]
type = none

[logging]
level = warning
""", encoding="utf-8")

    def command(self) -> list[str]:
        return [self.python, "-m", "radicale", "-C", str(self.workdir / "config")]

    def data_bytes(self) -> int:
        return disk_bytes(self.collections)

    def load_args(self) -> list[str]:
        return ["radicale", "--config", str(self.workdir / "config")]


class CmsDavServer(Server):
    key = "cms_dav"
    label = "cms_dav (SQLite)"

    def __init__(self, workdir: Path, python: str, database_url: str = "",
                 max_body_bytes: int = 0) -> None:
        self.database_url = database_url
        #: ``serve --workers``: 1 (compared with single-process Radicale), more for the
        #: second server of bench.operations.bulk_put_workers
        self.workers = 1
        #: 0 keeps cms_dav's default; a whole-collection fill at 100k needs more
        self.max_body_bytes = max_body_bytes
        if database_url:
            self.key, self.label = "cms_dav_pg", "cms_dav (PostgreSQL)"
        super().__init__(workdir / self.key, python)
        self.workdir.mkdir(parents=True)
        self.data_dir = self.workdir / "data"
        self.config = self.workdir / "cms-dav.conf"

    def cli_args(self) -> list[str]:
        args = [self.python, "-m", "cms_dav", "--data-dir", str(self.data_dir)]
        if self.database_url or self.max_body_bytes:
            args += ["--config", str(self.config)]
        return args

    def prepare(self) -> None:
        # an installed cms_dav has its bytecode compiled (pip does it, as it did for
        # Radicale); a source checkout run with PYTHONDONTWRITEBYTECODE=1 (this machine
        # sets it) would otherwise compile every module at each CLI start
        package = Path(__file__).resolve().parents[1]
        subprocess.run([self.python, "-m", "compileall", "-q", str(package / "cms_dav"),
                        str(package / "plugins")], capture_output=True, timeout=600,
                       check=False)
        lines = []
        if self.database_url:
            lines += ["[storage]", f"database_url = {self.database_url}"]
        if self.max_body_bytes:
            lines += ["[server]", f"max_body_bytes = {self.max_body_bytes}"]
        if lines:
            self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        done = subprocess.run(self.cli_args() + ["user", "add", USER, "--password-stdin"],
                              input=(PASSWORD + "\n").encode(), capture_output=True,
                              cwd=self.workdir, timeout=120)
        if done.returncode != 0:
            message = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
            raise ServerUnavailable(f"`cms-dav user add` failed: {message.splitlines()[-1:]}")

    def command(self) -> list[str]:
        # one process: the figures are compared with single-process Radicale, whatever
        # ``[server] processes`` defaults to (bench.mixed_load measures more workers;
        # the bulk PUT "with --workers 2" row starts a second server with ``workers``)
        return self.cli_args() + ["serve", "--host", HOST, "--port", str(self.port),
                                  "--workers", str(self.workers)]

    def run_cli(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(self.cli_args() + args, capture_output=True, cwd=self.workdir,
                              stdin=subprocess.DEVNULL, timeout=timeout)

    def has_command(self, name: str) -> bool:
        done = self.run_cli([name, "--help"], timeout=60)
        return done.returncode == 0

    def data_bytes(self) -> int:
        if self.database_url:
            from bench.postgres import schema_bytes
            return schema_bytes(self.database_url)
        return disk_bytes(self.data_dir, wal=False)

    def wal_bytes(self) -> int:
        return 0 if self.database_url else disk_bytes(self.data_dir, wal=True)

    def load_args(self) -> list[str]:
        config = ["--config", str(self.config)] if self.config.exists() else []
        return ["cms_dav", "--data-dir", str(self.data_dir), *config]


class MemoryServer(Server):
    """Serves one fixed body from memory: the floor for "multiget of all items"."""

    key = "memory"
    label = "bytes from memory"

    def __init__(self, workdir: Path, python: str, body: bytes) -> None:
        super().__init__(workdir / "memory", python)
        self.workdir.mkdir(parents=True)
        self.body_file = self.workdir / "body.xml"
        self.body_file.write_bytes(body)

    def command(self) -> list[str]:
        return [self.python, "-m", "bench.memserve", str(self.port), str(self.body_file)]

    def start(self, timeout: float = 30.0) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         env=env, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise ServerUnavailable(f"memory server did not start: {_tail(self.log)}")

    def data_bytes(self) -> int:
        return 0


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def python_executable() -> str:
    return sys.executable
