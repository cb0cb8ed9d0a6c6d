"""The mixed writes of one crash round and the SIGKILL that ends them (issue 10, item 6).

Three HTTP writers (PUT new, PUT with If-Match, DELETE, MOVE, PROPPATCH), one share
changer (the ``/.sharing/v1/`` API and ``cms-dav share grant|revoke`` in turn) and one
``cms-dav import`` process run against the server until a seeded moment; then the
server and every child process get SIGKILL at once. Each writer owns its own items, so
a 412 or 409 can only mean lost or invented state.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests

from tests.security.crash_ledger import ABSENT, Ledger, Version
from tests.support.dav import vcard
from tests.support.server import ServerProcess, cms_dav_command

PASSWORDS = {"alice": "alice-crash-pw", "bob": "bob-crash-pw", "carol": "carol-crash-pw"}
BOOK = "/alice/contacts/"
MOVED = "/alice/moved/"
IMPORTS = "/alice/imports/"
API_SHARED = "/alice/api-shared/"
API_MOUNT = "/bob/from-alice-api/"
CLI_SHARED = "/alice/cli-shared/"
#: the collection whose displayname each HTTP writer changes (one writer per collection)
PROP_TARGETS = (BOOK, MOVED, API_SHARED)
API_SHARE_KEY = f"share:{API_SHARED}:bob"
CLI_SHARE_KEY = f"share:{CLI_SHARED}:carol"
SHARED = "shared"  # the marker of a share that exists
IMPORT_CARDS = 200  # fewer than importer.BATCH: one transaction, all or nothing
TIMEOUT = 15  # seconds for any one request to a live server
#: the kill comes this many seconds into a round (seeded), never before MIN_ACKNOWLEDGED
#: writes were acknowledged; in a share AFTER_IMPORT of the rounds (seeded) only after the
#: import finished, in the others mostly while it runs (it needs seconds on a busy machine)
MIN_KILL_SECONDS, MAX_KILL_SECONDS, MIN_ACKNOWLEDGED = 0.5, 3.0, 10
AFTER_IMPORT = 0.25
PAUSE = 0.05  # longest pause of a writer between two requests, seconds
CLI_GAP = 1.0  # seconds between two ``cms-dav share`` runs of the share changer
VCARD = {"Content-Type": "text/vcard; charset=utf-8"}
JSON = {"Accept": "application/json"}


@dataclass
class Crash:
    """The kill switch of one round: nothing is started after it fired, and every child
    process alive when it fires dies with the server."""

    server: ServerProcess
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    children: list[subprocess.Popen] = field(default_factory=list)  # type: ignore[type-arg]
    errors: list[str] = field(default_factory=list)
    moves: list[tuple[str, str]] = field(default_factory=list)  # (source, target) begun

    def spawn(self, *args: str) -> subprocess.Popen | None:  # type: ignore[type-arg]
        with self.lock:
            if self.stop.is_set():
                return None
            child = subprocess.Popen(
                cms_dav_command(self.server.data_dir, self.server.config, *args),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                start_new_session=True)
            self.children.append(child)
            return child

    def fire(self) -> None:
        with self.lock:
            self.stop.set()
            self.server.kill()
            for child in self.children:
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGKILL)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def failed(self, what: str, exc: Exception) -> None:
        """A request that got no answer: expected only once the kill fired."""
        if not self.stop.is_set():
            self.error(f"{what}: no answer from a live server ({type(exc).__name__}: {exc})")


@dataclass
class ImportOutcome:
    round: int
    finished: bool = False  # exit code 0 before the kill: every card acknowledged
    killed: bool = False
    started: bool = False
    seconds: float = 0.0


class HttpWriter:
    """One client: PUT, PUT If-Match, DELETE, MOVE and PROPPATCH on items it alone owns."""

    WEIGHTS = {"put_new": 4, "overwrite": 3, "delete": 1, "move": 1, "proppatch": 1}

    def __init__(self, url: str, ledger: Ledger, crash: Crash, rng: random.Random,
                 number: int, round_: int) -> None:
        self.url, self.ledger, self.crash, self.rng = url, ledger, crash, rng
        self.number, self.round, self.count = number, round_, 0
        self.session = requests.Session()
        self.session.auth = ("alice", PASSWORDS["alice"])

    def run(self) -> None:
        names, weights = zip(*self.WEIGHTS.items(), strict=True)
        while not self.crash.stop.is_set():
            self.count += 1
            operation = self.rng.choices(names, weights)[0]
            try:
                getattr(self, operation)()
            except requests.RequestException as exc:
                self.crash.failed(f"writer {self.number} {operation}", exc)
            self.crash.stop.wait(self.rng.uniform(0, PAUSE))  # leave the import some CPU

    def _mine(self, *collections: str) -> list[str]:
        return [href for c in collections
                for href in self.ledger.present(f"{c}w{self.number}-")]

    def _marker(self) -> str:
        return f"W{self.number} R{self.round} N{self.count}"

    def _expect(self, key: str, response: requests.Response, ok: tuple[int, ...]) -> bool:
        if response.status_code in ok:
            return True
        self.ledger.refused(key)
        self.crash.error(f"{response.request.method} {key}: {response.status_code} "
                         f"{response.text[:200]!r}")
        return False

    def _acked_with_etag(self, href: str, marker: str, response: requests.Response) -> None:
        etag = response.headers.get("ETag")
        if not etag:
            self.crash.error(f"PUT {href}: {response.status_code} without an ETag")
        self.ledger.ack(href, Version(marker, etag))

    def put_new(self) -> None:
        name = f"w{self.number}-r{self.round}-{self.count}"
        href, marker = f"{BOOK}{name}.vcf", self._marker()
        self.ledger.begin(href, Version(marker))
        response = self.session.put(self.url + href, data=vcard(name, marker).encode(),
                                    headers={**VCARD, "If-None-Match": "*"}, timeout=TIMEOUT)
        if self._expect(href, response, (201,)):
            self._acked_with_etag(href, marker, response)

    def overwrite(self) -> None:
        mine = self._mine(BOOK, MOVED)
        if not mine:
            return self.put_new()
        href, marker = self.rng.choice(mine), self._marker()
        current = self.ledger.state(href)
        assert current is not None and current.etag, f"{href}: no known ETag"
        uid = href.rsplit("/", 1)[1].removesuffix(".vcf")
        self.ledger.begin(href, Version(marker))
        response = self.session.put(self.url + href, data=vcard(uid, marker).encode(),
                                    headers={**VCARD, "If-Match": current.etag},
                                    timeout=TIMEOUT)
        if self._expect(href, response, (200, 204)):
            self._acked_with_etag(href, marker, response)

    def delete(self) -> None:
        mine = self._mine(BOOK, MOVED)
        if not mine:
            return self.put_new()
        href = self.rng.choice(mine)
        current = self.ledger.state(href)
        assert current is not None and current.etag, f"{href}: no known ETag"
        self.ledger.begin(href, ABSENT)
        response = self.session.delete(self.url + href, headers={"If-Match": current.etag},
                                       timeout=TIMEOUT)
        if self._expect(href, response, (200, 204)):
            self.ledger.ack(href, ABSENT)

    def move(self) -> None:
        """MOVE keeps the item's bytes, so the target must show the source's strong ETag."""
        mine = self._mine(BOOK)
        if not mine:
            return self.put_new()
        source = self.rng.choice(mine)
        target = MOVED + source.rsplit("/", 1)[1]
        moved = self.ledger.state(source)
        self.ledger.begin(source, ABSENT)
        self.ledger.begin(target, moved)
        self.crash.moves.append((source, target))
        response = self.session.request(
            "MOVE", self.url + source, timeout=TIMEOUT,
            headers={"Destination": self.url + target, "Overwrite": "F"})
        if self._expect(source, response, (201, 204)):
            self.ledger.ack(source, ABSENT)
            self.ledger.ack(target, moved)
        else:
            self.ledger.refused(target)

    def proppatch(self) -> None:
        collection = PROP_TARGETS[self.number]
        key, marker = f"prop:{collection}", f"Name {self._marker()}"
        self.ledger.begin(key, Version(marker))
        body = ('<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:">'
                f'<d:set><d:prop><d:displayname>{marker}</d:displayname></d:prop></d:set>'
                '</d:propertyupdate>')
        response = self.session.request("PROPPATCH", self.url + collection, data=body.encode(),
                                        headers={"Content-Type": "application/xml"},
                                        timeout=TIMEOUT)
        if self._expect(key, response, (207,)):
            if "200 OK" in response.text:
                self.ledger.ack(key, Version(marker))
            else:
                self.ledger.refused(key)
                self.crash.error(f"PROPPATCH {collection}: {response.text[:300]!r}")


class ShareChanger:
    """Turns alice's two shares on and off: one through the sharing API (as alice, the
    owner), one through ``cms-dav share grant|revoke`` (as the admin)."""

    def __init__(self, url: str, ledger: Ledger, crash: Crash) -> None:
        self.url, self.ledger, self.crash = url, ledger, crash
        self.session = requests.Session()
        self.session.auth = ("alice", PASSWORDS["alice"])

    def run(self) -> None:
        next_cli = time.monotonic()
        while not self.crash.stop.is_set():
            try:
                self.api_toggle()
            except requests.RequestException as exc:
                self.crash.failed("sharing API", exc)
            if time.monotonic() >= next_cli:
                self.cli_toggle()  # a whole Python process: not back to back
                next_cli = time.monotonic() + CLI_GAP
            self.crash.stop.wait(PAUSE)

    def api_toggle(self) -> None:
        on = self.ledger.state(API_SHARE_KEY) is ABSENT
        self.ledger.begin(API_SHARE_KEY, Version(SHARED) if on else ABSENT)
        body: dict[str, Any]
        if on:
            body = {"PathMapped": API_SHARED, "PathOrToken": API_MOUNT, "User": "bob",
                    "Permissions": "r", "Enabled": True, "Hidden": False}
        else:
            body = {"PathOrToken": API_MOUNT, "User": "bob"}
        response = self.session.post(f"{self.url}/.sharing/v1/map/{'create' if on else 'delete'}",
                                     json=body, headers=JSON, timeout=TIMEOUT)
        if response.status_code == 200 and response.json().get("Status") == "success":
            self.ledger.ack(API_SHARE_KEY, Version(SHARED) if on else ABSENT)
        else:
            self.ledger.refused(API_SHARE_KEY)
            self.crash.error(f"sharing API {'create' if on else 'delete'}: "
                             f"{response.status_code} {response.text[:200]!r}")

    def cli_toggle(self) -> None:
        on = self.ledger.state(CLI_SHARE_KEY) is ABSENT
        self.ledger.begin(CLI_SHARE_KEY, Version(SHARED) if on else ABSENT)
        args = ("grant", CLI_SHARED, "--to", "user:carol", "--access", "write") if on \
            else ("revoke", CLI_SHARED, "--to", "user:carol")
        child = self.crash.spawn("share", *args)
        if child is None:
            self.ledger.refused(CLI_SHARE_KEY)  # never started
            return
        out, err = child.communicate(timeout=120)
        if child.returncode == 0:
            self.ledger.ack(CLI_SHARE_KEY, Version(SHARED) if on else ABSENT)
        elif child.returncode != -signal.SIGKILL:
            self.ledger.refused(CLI_SHARE_KEY)
            self.crash.error(f"cms-dav share {args[0]}: exit {child.returncode}: {err[-300:]}")


def import_file(directory: Path, round_: int) -> Path:
    """IMPORT_CARDS new cards; their UIDs (and so hrefs) start with ``imp-r<round>-``."""
    path = directory / f"import-round-{round_}.vcf"
    path.write_text("".join(vcard(f"imp-r{round_}-{k}", f"Imported R{round_} K{k}")
                            for k in range(IMPORT_CARDS)), encoding="utf-8")
    return path


def run_import(crash: Crash, file: Path, delay: float, outcome: ImportOutcome) -> None:
    if crash.stop.wait(delay):
        return
    child = crash.spawn("import", str(file), "--into", IMPORTS, "--user", "alice", "--json")
    if child is None:
        return
    outcome.started = True
    began = time.monotonic()
    _, err = child.communicate(timeout=300)
    outcome.seconds = time.monotonic() - began
    outcome.finished = child.returncode == 0
    outcome.killed = child.returncode == -signal.SIGKILL
    if not (outcome.finished or outcome.killed):
        crash.error(f"cms-dav import: exit {child.returncode}: {err[-300:]}")


def _guarded(crash: Crash, target: Callable[..., None], *args: object) -> Callable[[], None]:
    """A thread body whose unexpected exception fails the round instead of vanishing."""
    def body() -> None:
        try:
            target(*args)
        except Exception:  # noqa: BLE001 - reported, then the round fails
            crash.error(traceback.format_exc(limit=5))
    return body


def run_round(server: ServerProcess, ledger: Ledger, rng: random.Random, round_: int,
              work_dir: Path) -> tuple[Crash, ImportOutcome, int]:
    """Start the writers, SIGKILL everything at a seeded moment (once at least
    MIN_ACKNOWLEDGED writes were acknowledged), wait for the writers to notice; returns
    the crash record, what became of the import and the acknowledgements this round."""
    crash = Crash(server)
    outcome = ImportOutcome(round_)
    kill_at = rng.uniform(MIN_KILL_SECONDS, MAX_KILL_SECONDS)
    import_delay = rng.uniform(0.0, 0.3)
    after_import = rng.random() < AFTER_IMPORT
    writers = [HttpWriter(server.url, ledger, crash, random.Random(rng.random()), n, round_)
               for n in range(len(PROP_TARGETS))]
    threads = [threading.Thread(target=_guarded(crash, w.run), name=f"writer-{w.number}")
               for w in writers]
    threads.append(threading.Thread(
        target=_guarded(crash, ShareChanger(server.url, ledger, crash).run), name="shares"))
    threads.append(threading.Thread(
        target=_guarded(crash, run_import, crash, import_file(work_dir, round_),
                        import_delay, outcome), name="import"))
    start, began = ledger.acknowledged, time.monotonic()
    for thread in threads:
        thread.start()
    while not crash.errors and time.monotonic() - began < 60:
        enough = ledger.acknowledged - start >= MIN_ACKNOWLEDGED
        waited = outcome.finished or not after_import
        if enough and waited and time.monotonic() - began >= kill_at:
            break
        time.sleep(0.005)
    acknowledged = ledger.acknowledged - start
    crash.fire()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), f"{thread.name} still running 60 s after the kill"
    if acknowledged < MIN_ACKNOWLEDGED and not crash.errors:
        crash.error(f"only {acknowledged} writes acknowledged in 60 s")
    return crash, outcome, acknowledged
