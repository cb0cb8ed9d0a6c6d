"""Issue 19: what cms_dav's own HTTP front (cms_dav.serving) costs per request, alone.

    python -m bench.front_cost --baseline DIR [--rounds 4] [--kinds get,missing,put,big]

Serves a trivial WSGI application (a 300-byte GET, a 404, a PUT of 2 KB, a 12 MB
answer streamed in 80 KB parts like a multiget of all at 10k; ``busy``: the GET after
~0.5 ms of Python work in the worker, ``busy-after``: that work in the response's
close(), after the answer was handed over, as the real request log is) with ``cms_dav.serving``
from this tree and, with ``--baseline``, from another tree (e.g. ``git archive main |
tar -x -C DIR``), each in its own process, and sends interleaved rounds (A B, B A, ...)
on one keep-alive connection. Per request it reports the server's CPU split into the
event-loop thread (the main thread) and the rest (the worker threads), from
``/proc/PID/task/*/schedstat``, and the client's wall-clock p50. Whatever the
application does on top (the WSGI stack, the store) is not in these figures: compare
them with the same requests through ``cms_dav.app`` in-process for the front's share.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

SMALL = b"x" * 300
PART = b"y" * 80_000
PARTS = 150  # 12 MB, a multiget of all at 10k
PUT_BODY = b"B" * 2000
COUNTS = {"get": 3000, "missing": 3000, "put": 3000, "big": 40, "busy": 2000,
          "busy-after": 2000}
#: the worker's own Python work in the ``busy`` kinds, about what a real GET of one card
#: costs in the worker (~0.5 ms): the event loop's share is then measured beside a worker
#: that churns the caches and holds the GIL as the real application does (round nine)
BUSY_ROUNDS = 200


def _busy() -> int:
    """Python work with a footprint: dicts, strings, attribute look-ups."""
    table: dict[str, int] = {}
    for i in range(BUSY_ROUNDS):
        for word in ("BEGIN", "VCARD", "VERSION", "FN", "EMAIL", "END"):
            table[f"{word}:{i}"] = len(word) + i
    return sum(table.values())


class _Closing(list):  # type: ignore[type-arg]
    """A response whose close() works after the last part went out (a request log)."""

    def close(self) -> None:
        _busy()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The trivial application: no work of its own, so the server's CPU is the front's."""
    if environ["REQUEST_METHOD"] == "PUT":
        environ["wsgi.input"].read()
        start_response("201 Created", [("ETag", '"abc"'), ("Content-Length", "0")])
        return [b""]
    if environ["PATH_INFO"] == "/big":
        start_response("207 Multi-Status", [("Content-Type", "text/xml; charset=utf-8")])
        return (PART for _ in range(PARTS))
    if environ["PATH_INFO"] in ("/busy", "/busy-after"):
        after = environ["PATH_INFO"] == "/busy-after"
        if not after:
            _busy()
        start_response("200 OK", [("Content-Type", "text/vcard; charset=utf-8"),
                                  ("ETag", '"e1234567"'), ("Content-Length", str(len(SMALL)))])
        return _Closing([SMALL]) if after else [SMALL]
    if environ["PATH_INFO"] == "/missing":
        body = b"The requested resource could not be found."
        start_response("404 Not Found", [("Content-Type", "text/plain"),
                                         ("Content-Length", str(len(body)))])
        return [body]
    start_response("200 OK", [("Content-Type", "text/vcard; charset=utf-8"),
                              ("ETag", '"e1234567"'), ("Content-Length", str(len(SMALL)))])
    return [SMALL]


def serve(port: int) -> None:
    from cms_dav.serving import ServerLimits, run

    run(app, ServerLimits(), "127.0.0.1", port)


def cpu_split(pid: int) -> tuple[float, float]:
    """(event-loop thread, other threads) CPU seconds of process ``pid``."""
    loop = rest = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", encoding="ascii") as stat:
                spent = int(stat.read().split()[0])
        except OSError:  # the thread ended
            continue
        if int(tid) == pid:
            loop += spent
        else:
            rest += spent
    return loop / 1e9, rest / 1e9


class Front:
    def __init__(self, label: str, source: Path) -> None:
        self.label = label
        from bench.servers import free_port

        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=f"{source}:{source / 'plugins'}")
        # run as a script from a neutral directory: cms_dav is then the tree on PYTHONPATH
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                      "--serve", str(self.port)], env=env, cwd="/")
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"the {label} front did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def _round(front: Front, kind: str, count: int) -> tuple[float, float, float]:
    """(loop CPU, other CPU, wall p50) per request, seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", front.port, timeout=60)

    def one() -> None:
        if kind == "put":
            conn.request("PUT", "/card.vcf", body=PUT_BODY,
                         headers={"Content-Type": "text/vcard"})
        else:
            conn.request("GET", f"/{kind}", headers={"Authorization": "Basic YmVuY2g6eA=="})
        conn.getresponse().read()

    one()
    walls = []
    before = cpu_split(front.proc.pid)
    for _ in range(count):
        start = time.perf_counter()
        one()
        walls.append(time.perf_counter() - start)
    after = cpu_split(front.proc.pid)
    conn.close()
    return ((after[0] - before[0]) / count, (after[1] - before[1]) / count,
            sorted(walls)[count // 2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--kinds", default="get,missing,put,big")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:  # the server process of one tree
        serve(args.serve)
        return 0
    kinds = args.kinds.split(",")
    fronts = [Front("tree", Path(__file__).resolve().parents[1])]
    if args.baseline is not None:
        fronts.insert(0, Front("baseline", args.baseline.resolve()))
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    try:
        for number in range(args.rounds):
            order = fronts if number % 2 == 0 else fronts[::-1]
            for kind in kinds:
                for front in order:
                    loop, rest, p50 = _round(front, kind, COUNTS[kind])
                    results.setdefault((kind, front.label), []).append((loop, rest, p50))
                    print(f"round {number + 1} {kind:7} {front.label:8} loop {loop * 1e6:8.1f} "
                          f"µs  other {rest * 1e6:8.1f} µs  p50 {p50 * 1e6:8.1f} µs  "
                          f"load {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        for front in fronts:
            front.stop()
    for kind in kinds:
        for front in fronts:
            rows = results[(kind, front.label)]
            print(f"median {kind:7} {front.label:8} "
                  f"loop {statistics.median(r[0] for r in rows) * 1e6:8.1f} µs  "
                  f"other {statistics.median(r[1] for r in rows) * 1e6:8.1f} µs  "
                  f"p50 {statistics.median(r[2] for r in rows) * 1e6:8.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
