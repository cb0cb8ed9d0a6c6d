"""Crash rounds (issue 10, item 6): SIGKILL the real server again and again during
mixed concurrent writes, restart it on the same data, and find every acknowledged write.

Each round: three HTTP writers (PUT new and with If-Match, DELETE, MOVE, PROPPATCH), a
share changer (sharing API and ``cms-dav share grant|revoke``) and a ``cms-dav import``
process run until a seeded moment; then the server and every child process get SIGKILL
together. Durability is the promise of a 2xx (RFC 9110
section 15.3: the request *was* successfully received and accepted), so after the
restart every acknowledged write is there with its acknowledged ETag, every acknowledged
delete is gone, a write in flight is all-or-nothing, and ``cms-dav check`` is clean.

``CMS_DAV_CRASH_ROUNDS`` (default 10) sets the number of SQLite rounds and
``CMS_DAV_CRASH_SEED`` the seed; a failure names both.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.security.crash_checks import Imports, offline_check, verify_round
from tests.security.crash_ledger import Ledger, Version
from tests.security.crash_workload import (API_SHARED, BOOK, CLI_SHARED, IMPORTS, MOVED,
                                           PASSWORDS, run_round)
from tests.support.dav import make_addressbook
from tests.support.server import ServerProcess, free_port

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("CMS_DAV_CRASH_ROUNDS", "10"))
PG_ROUNDS = int(os.environ.get("CMS_DAV_CRASH_PG_ROUNDS", "2"))
SEED = int(os.environ.get("CMS_DAV_CRASH_SEED", "20261201"))


def _prepare(data_dir: Path, database_url: str | None) -> tuple[ServerProcess, Ledger]:
    """A running server with alice's collections, bob and carol; the ledger knows the
    initial displaynames."""
    data_dir.mkdir(parents=True)
    config = None
    if database_url:
        config = data_dir / "cms-dav.conf"
        config.write_text(f"[storage]\ndatabase_url = {database_url}\n", encoding="utf-8")
    users = HtpasswdFile(data_dir / "users", rounds=4)  # fast hashes: setup, not security
    for name, password in PASSWORDS.items():
        users.add(name, password)
    server = ServerProcess(data_dir=data_dir, config=config).start()
    alice = server.session("alice", PASSWORDS["alice"])
    ledger = Ledger()
    ledger.ack(f"prop:{BOOK}", Version("Contacts"))
    for path in (MOVED, IMPORTS, API_SHARED, CLI_SHARED):
        make_addressbook(alice, server.url + path, path.strip("/").replace("/", " "))
        ledger.ack(f"prop:{path}", Version(path.strip("/").replace("/", " ")))
    return server, ledger


def crash_rounds(work_dir: Path, rounds: int, seed: int, database_url: str | None = None
                 ) -> int:
    """Run ``rounds`` kill-restart-verify rounds; returns the number survived (all of
    them, or an AssertionError naming the round and the seed)."""
    server, ledger = _prepare(work_dir / "data", database_url)
    rng, imports, acknowledged = random.Random(seed), Imports(), 0
    try:
        for round_ in range(rounds):
            ledger.start_round()
            crash, outcome, count = run_round(server, ledger, rng, round_, work_dir)
            acknowledged += count
            try:
                assert not crash.errors, "\n".join(crash.errors)
                offline_check(server, round_)
                server.port = free_port()
                server.start()
                verify_round(server, ledger, crash.moves, imports, outcome)
                state = ("finished" if outcome.finished
                         else "killed" if outcome.killed else "not started")
                print(f"round {round_}: {count} writes acknowledged, import {state}"
                      f" after {outcome.seconds:.1f} s"
                      f", {imports.counts[round_]} imported cards kept")
            except AssertionError as exc:
                raise AssertionError(f"crash round {round_} (CMS_DAV_CRASH_SEED={seed}): "
                                     f"{exc}\n--- server log tail ---\n"
                                     f"{server.log()[-3000:]}") from None
    finally:
        server.stop()
    print(f"\ncrash rounds survived: {rounds} ({'PostgreSQL' if database_url else 'SQLite'}, "
          f"seed {seed}); writes acknowledged before a kill: {acknowledged}; in-flight "
          f"writes found undone/done: {ledger.resolved_old}/{ledger.resolved_new}; "
          f"imports finished/killed: {imports.finished}/{imports.killed}")
    return rounds


def test_every_acknowledged_write_survives_repeated_sigkill_on_sqlite(tmp_path: Path) -> None:
    assert crash_rounds(tmp_path, ROUNDS, SEED) == ROUNDS


@pytest.mark.postgres
def test_every_acknowledged_write_survives_repeated_sigkill_on_postgresql(
        tmp_path: Path, pg_schema_url: str) -> None:
    assert crash_rounds(tmp_path, PG_ROUNDS, SEED + 1, pg_schema_url) == PG_ROUNDS
