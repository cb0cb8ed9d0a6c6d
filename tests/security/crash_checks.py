"""What must hold after each SIGKILL of a crash round (issue 10, item 6).

Offline, before the restart: ``cms-dav check`` is clean. After the restart, over HTTP:
every item, displayname and share (as its owner lists them) is in its acknowledged state
(or, for a write the kill caught in flight, in the state before or after it), nothing
unacknowledged appeared, a MOVE caught in flight left
the item in exactly one place, and an import left only whole transactions behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import requests

from cms_dav.io.importer import BATCH
from tests.security.crash_ledger import ABSENT, Ledger, Version
from tests.security.crash_workload import (API_SHARE_KEY, API_SHARED, BOOK, CLI_SHARE_KEY,
                                           CLI_SHARED, IMPORT_CARDS, IMPORTS, MOVED,
                                           PASSWORDS, PROP_TARGETS, SHARED, TIMEOUT,
                                           ImportOutcome)
from tests.support.dav import NS
from tests.support.server import ServerProcess

LISTING = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>'
           '<d:getetag/><d:displayname/></d:prop></d:propfind>')


@dataclass
class Imports:
    """Cards each round's import left, as first seen after its kill (round -> count)."""

    counts: dict[int, int] = field(default_factory=dict)
    finished: int = 0
    killed: int = 0


def offline_check(server: ServerProcess, round_: int) -> None:
    """``cms-dav check`` on the dead server's data, before anything else opens it."""
    result = server.cli("check")
    assert result.returncode == 0 and "store is clean" in result.stdout, \
        f"round {round_}: cms-dav check after the kill: exit {result.returncode}\n" \
        f"{result.stdout}\n{result.stderr}"


def shared_pairs(session: requests.Session, url: str) -> set[tuple[str, str]]:
    """(collection, user) of every map share of alice's collections, as alice, their
    owner, lists them through the sharing API."""
    response = session.post(f"{url}/.sharing/v1/map/list", json={}, timeout=TIMEOUT,
                            headers={"Accept": "application/json"})
    assert response.status_code == 200, f"map/list: {response.status_code} {response.text}"
    return {(row["PathMapped"], row["User"]) for row in response.json().get("Content", [])}


def listing(session: requests.Session, url: str) -> dict[str, tuple[str, str]]:
    """{href: (etag, displayname)} of a collection and its members (PROPFIND Depth 1)."""
    response = session.request("PROPFIND", url, data=LISTING.encode(), timeout=TIMEOUT,
                               headers={"Depth": "1", "Content-Type": "application/xml"})
    assert response.status_code == 207, f"PROPFIND {url}: {response.status_code}"
    found = {}
    for entry in ET.fromstring(response.content).findall("d:response", NS):
        href = entry.findtext("d:href", namespaces=NS) or ""
        etag = entry.findtext("d:propstat/d:prop/d:getetag", default="", namespaces=NS)
        name = entry.findtext("d:propstat/d:prop/d:displayname", default="", namespaces=NS)
        found[href] = (etag, name)
    return found


def _fn(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("FN:"):
            return line[3:]
    return ""


def verify_items(session: requests.Session, url: str, ledger: Ledger,
                 moves: list[tuple[str, str]]) -> None:
    """Every item of the writers' collections is in an acknowledged (or in-flight) state;
    the content of each item written this round is read back with GET."""
    in_flight_moves = [(s, t) for s, t in moves if ledger.pending(s)]
    present: set[str] = set()
    for collection in (BOOK, MOVED):
        seen = {h: v for h, v in listing(session, url + collection).items() if h != collection}
        keys = ledger.keys(collection)
        phantoms = sorted(set(seen) - set(keys))
        assert not phantoms, f"never written, yet present after the kill: {phantoms}"
        for key in keys:
            observed: Version | None = ABSENT
            state = ledger.state(key)
            if key in seen and (ledger.touched(key) or state is ABSENT):
                response = session.get(url + key, timeout=TIMEOUT)
                assert response.status_code == 200, f"GET {key}: {response.status_code}"
                assert response.headers.get("ETag") == seen[key][0], \
                    f"{key}: GET and PROPFIND disagree on the ETag"
                observed = Version(_fn(response.text), response.headers.get("ETag"))
            elif key in seen:
                assert state is not None
                observed = Version(state.marker, seen[key][0])  # checked by ETag
            ledger.resolve(key, observed)
            if observed is not ABSENT:
                present.add(key)
    for source, target in in_flight_moves:
        assert (source in present) != (target in present), \
            f"MOVE {source} -> {target} caught by the kill left it in " \
            f"{'both places' if source in present else 'neither place'}"


def verify_displaynames(session: requests.Session, url: str, ledger: Ledger) -> None:
    for collection in PROP_TARGETS:
        _, name = listing(session, url + collection)[collection]
        ledger.resolve(f"prop:{collection}", Version(name))


def verify_shares(ledger: Ledger, shared: set[tuple[str, str]]) -> None:
    for key, pair in ((API_SHARE_KEY, (API_SHARED, "bob")),
                      (CLI_SHARE_KEY, (CLI_SHARED, "carol"))):
        ledger.resolve(key, Version(SHARED) if pair in shared else ABSENT)


def verify_imports(session: requests.Session, url: str, imports: Imports,
                   outcome: ImportOutcome) -> None:
    """A finished import is all there; a killed one left whole batches (one transaction
    each); nothing of an earlier round's import changed since it was first seen."""
    counts: dict[int, int] = {}
    for href in listing(session, url + IMPORTS):
        name = href.rsplit("/", 1)[1]
        if name:
            assert name.startswith("imp-r"), f"unexpected item {href}"
            round_ = int(name[5:].split("-", 1)[0])
            counts[round_] = counts.get(round_, 0) + 1
    now = counts.get(outcome.round, 0)
    if outcome.finished:
        imports.finished += 1
        assert now == IMPORT_CARDS, f"import of round {outcome.round} acknowledged, {now} " \
                                    f"of {IMPORT_CARDS} cards found"
    else:
        imports.killed += outcome.killed
        assert now % BATCH == 0 or now == IMPORT_CARDS, \
            f"killed import of round {outcome.round} left {now} cards: not whole batches"
    imports.counts[outcome.round] = now
    changed = {r: (c, counts.get(r, 0)) for r, c in imports.counts.items()
               if counts.get(r, 0) != c}
    assert not changed, f"imported cards changed after their round (then, now): {changed}"


def verify_round(server: ServerProcess, ledger: Ledger, moves: list[tuple[str, str]],
                 imports: Imports, outcome: ImportOutcome) -> None:
    session = requests.Session()
    session.auth = ("alice", PASSWORDS["alice"])
    verify_shares(ledger, shared_pairs(session, server.url))
    verify_items(session, server.url, ledger, moves)
    verify_displaynames(session, server.url, ledger)
    verify_imports(session, server.url, imports, outcome)
