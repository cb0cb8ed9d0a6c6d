"""Issue 19 target 2: where a single-card GET's time goes, server side, over real HTTP.

    python -m bench.get_cost --cards 2000 --gets 3000 --rounds 3

Starts stock Radicale 3.9 and ``cms-dav serve --workers 1`` as the benchmark does
(:mod:`bench.servers`), fills one address book of ``--cards`` bench cards in each with
one whole-collection PUT, then, in ``--rounds`` interleaved rounds, sends ``--gets``
GETs of random cards over one keep-alive connection per server. For each round it
reports the server's CPU per GET (utime + stime from ``/proc/PID/stat`` of its process
tree, before and after the round: independent of the client and of other load on the
machine) and the wall-clock p50/p95 the client saw (noisy on a shared machine).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import data
from bench.dav import MKCOL_ADDRESSBOOK
from bench.servers import USER, CmsDavServer, RadicaleServer, Server

BOOK = f"/{USER}/get-cost/"
SEED = 19


class SourceServer(CmsDavServer):
    """cms_dav run from another source tree (``--baseline``), for a before/after in the
    same conditions: its packages come first on PYTHONPATH."""

    def __init__(self, workdir: Path, python: str, source: Path) -> None:
        self.source = source.resolve()
        super().__init__(workdir / "baseline", python)
        self.key = self.label = "baseline"

    def command(self) -> list[str]:
        path = f"{self.source}:{self.source / 'plugins'}"
        return ["env", f"PYTHONPATH={path}"] + super().command()


def _fill(server: Server, cards: int) -> None:
    client = server.client(timeout=600)
    try:
        client.request("MKCOL", BOOK, MKCOL_ADDRESSBOOK % b"get-cost", expect=(201,))
        client.put(BOOK, data.whole_collection(data.make_card, cards, SEED),
                   "text/vcard")
    finally:
        client.close()


def _round(server: Server, cards: int, gets: int, rng: random.Random
           ) -> tuple[float, list[float]]:
    """(server CPU seconds per GET, wall samples) for ``gets`` GETs on one connection."""
    client = server.client(timeout=60)
    paths = [BOOK + data.card_href(rng.randrange(cards)) for _ in range(gets)]
    try:
        client.request("GET", paths[0], expect=(200,))  # connection open, login cached
        samples = []
        before = server.cpu_seconds()
        for path in paths:
            start = time.perf_counter()
            client.request("GET", path, expect=(200,))
            samples.append(time.perf_counter() - start)
        cpu = (server.cpu_seconds() - before) / gets
    finally:
        client.close()
    return cpu, samples


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--gets", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("radicale", "cms_dav"), default=None)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="also run cms_dav from this source tree, e.g. "
                             "`git archive main | tar -x -C DIR`")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="get-cost-"))
    servers: list[Server] = []
    if args.only != "cms_dav":
        servers.append(RadicaleServer(workdir, args.python))
    if args.only != "radicale":
        servers.append(CmsDavServer(workdir, args.python))
        if args.baseline is not None:
            servers.append(SourceServer(workdir, args.python, args.baseline))
    results: dict[str, list[tuple[float, list[float]]]] = {s.key: [] for s in servers}
    try:
        for server in servers:
            server.start()
            _fill(server, args.cards)
            _round(server, args.cards, 300, random.Random("warm"))  # imports, caches
        for number in range(args.rounds):
            order = servers if number % 2 == 0 else servers[::-1]
            for server in order:
                server.wait_idle(limit=30)
                cpu, samples = _round(server, args.cards, args.gets,
                                      random.Random(f"{SEED}:{number}"))
                results[server.key].append((cpu, samples))
                print(f"round {number + 1} {server.key:9} cpu/GET {cpu * 1e3:6.3f} ms  "
                      f"wall p50 {_percentile(samples, 0.5) * 1e3:6.3f} ms  "
                      f"p95 {_percentile(samples, 0.95) * 1e3:6.3f} ms", flush=True)
    finally:
        for server in servers:
            server.stop()
    for key, rounds in results.items():
        cpu = statistics.median(r[0] for r in rounds)
        p50 = statistics.median(_percentile(r[1], 0.5) for r in rounds)
        p95 = statistics.median(_percentile(r[1], 0.95) for r in rounds)
        print(f"median {key:9} cpu/GET {cpu * 1e3:6.3f} ms  wall p50 {p50 * 1e3:6.3f} ms  "
              f"p95 {p95 * 1e3:6.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
