"""Shared parts of the fuzz tests: seeded mutations, a threaded keep-alive sender and
the verdict on every answer (no 5xx, every 4xx explains itself)."""

from __future__ import annotations

import json
import os
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CMS_DAV_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
THREADS = 4

#: what a reason phrase or one of Radicale's fixed texts looks like: not an explanation
BARE = {"", "bad request", "forbidden", "not found", "conflict", "precondition failed",
        "access to the requested resource forbidden.", "action on the requested resource "
        "refused.", "the requested resource could not be found.", "conflict in the request.",
        "precondition failed.", "request body too large.", "method not allowed",
        "the method is not allowed on the requested resource.", "unauthorized"}


def examples(default: int) -> int:
    """How many inputs to try: ``CMS_DAV_FUZZ_EXAMPLES`` or the CI default."""
    return int(os.environ.get("CMS_DAV_FUZZ_EXAMPLES") or default)


def corpus_objects() -> list[tuple[str, bytes]]:
    """(kind, bytes) of the third-party corpus (kind "vcard" or "ical"), read at run time."""
    manifest = CORPUS / "manifest.json"
    if not manifest.is_file():
        raise AssertionError(f"third-party corpus missing: {manifest} (CI checks out shared/ "
                             "beside the repository; set CMS_DAV_CORPUS to point elsewhere)")
    items = json.loads(manifest.read_text(encoding="utf-8"))["items"]
    return [(item["kind"], (CORPUS / item["file"]).read_bytes()) for item in items]


def is_explained(body: str) -> bool:
    """A 4xx body that names its problem: not empty, not a bare phrase."""
    text = body.strip()
    return len(text) >= 12 and text.lower().rstrip(".") not in {b.rstrip(".") for b in BARE}


# -- seeded mutations ---------------------------------------------------------------
def _lines(data: bytes) -> list[bytes]:
    return data.replace(b"\r\n", b"\n").split(b"\n")


def _join(lines: list[bytes]) -> bytes:
    return b"\r\n".join(lines)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(max(1, len(data)))]


def _delete_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return _join(lines)


def _duplicate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    index = rng.randrange(len(lines))
    lines.insert(index, lines[index])
    return _join(lines)


def _swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return _join(lines)


def _break_folding(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    index = rng.randrange(len(lines))
    line = lines[index]
    if line[:1] in (b" ", b"\t"):
        lines[index] = line[1:]            # a continuation without its space
    else:
        cut = rng.randrange(len(line) + 1)
        lines[index] = line[:cut] + rng.choice([b"\r\n ", b"\r\n", b"\n\t", b"\r\n  "]) + line[cut:]
    return _join(lines)


def _control(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + bytes([rng.choice([0, 1, 7, 8, 11, 12, 27, 31, 127])]) + data[at:]


def _bad_utf8(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    invalid = rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"])
    return data[:at] + invalid + data[at:]


def _drop_uid(rng: random.Random, data: bytes) -> bytes:
    return _join([line for line in _lines(data) if not line.upper().startswith(b"UID")])


def _second_uid(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for index, line in enumerate(lines):
        if line.upper().startswith(b"UID"):
            lines.insert(index + 1, b"UID:other-" + str(rng.randrange(10**6)).encode())
            break
    return _join(lines)


def _huge_value(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    size = rng.choice([2_000, 20_000, 60_000])
    at = max(1, min(len(lines) - 2, 3))
    lines.insert(at, b"NOTE:" + b"x" * size)
    return _join(lines)


def _param_soup(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    index = rng.randrange(len(lines))
    name, sep, value = lines[index].partition(b":")
    soup = rng.choice([b";TYPE=", b";=x", b";X-A=\"a:b\"", b";;", b";TYPE=WORK,HOME,,",
                       b";X-" + b"P" * 200 + b"=1", b";\"q\"", b";X-A=\"unterminated",
                       b";ENCODING=QUOTED-PRINTABLE", b";CHARSET=klingon", b";VALUE=uri"] )
    lines[index] = name + soup * rng.randint(1, 20) + sep + value
    return _join(lines)


def _qp_break(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    index = rng.randrange(len(lines))
    name, sep, value = lines[index].partition(b":")
    lines[index] = name + b";ENCODING=QUOTED-PRINTABLE" + sep + value + rng.choice(
        [b"=", b"=Z", b"=C3=", b"=\r\n=A9"])
    return _join(lines)


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    _truncate, _delete_line, _duplicate_line, _swap_lines, _break_folding, _control,
    _bad_utf8, _drop_uid, _second_uid, _huge_value, _param_soup, _qp_break]


def mutate(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        data = rng.choice(MUTATIONS)(rng, data or b"x")
    return data


# -- sending ------------------------------------------------------------------------
@dataclass
class Outcome:
    label: str
    status: int
    body: str
    stored: bool = False   # refused, yet something answers at its href


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[Outcome] = field(default_factory=list)
    unexplained: list[Outcome] = field(default_factory=list)
    stored_after_refusal: list[Outcome] = field(default_factory=list)
    tried: int = 0

    def add(self, outcome: Outcome) -> None:
        self.tried += 1
        self.statuses[outcome.status] += 1
        if outcome.stored:
            self.stored_after_refusal.append(outcome)
        if outcome.status >= 500:
            self.server_errors.append(outcome)
        elif outcome.status >= 400 and not is_explained(outcome.body):
            self.unexplained.append(outcome)

    def summary(self, what: str) -> str:
        return (f"{what}: {self.tried} inputs tried, statuses "
                f"{dict(sorted(self.statuses.items()))}, 5xx {len(self.server_errors)}, "
                f"unexplained 4xx {len(self.unexplained)}")


def run_parallel(jobs: Iterable[Callable[[requests.Session], Outcome]], auth: tuple[str, str]
                 ) -> Tally:
    """Each job gets a keep-alive session of its worker thread."""
    tally = Tally()
    local = threading.local()
    lock = threading.Lock()

    def run(job: Callable[[requests.Session], Outcome]) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.auth = auth
        outcome = job(session)
        with lock:
            tally.add(outcome)

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result()
    return tally
