"""Single PUTs over HTTP by two source trees in interleaved pairs (issue 19 target 1).

    python -m bench.put_pairs --tree base=/tmp/base --tree branch=. \\
        --source /tmp/fill10k --mode new --pairs 3 --puts 200
    python -m bench.put_pairs ... --source /tmp/fill10k --mode bulk --puts 1000
    python -m bench.put_pairs ... --source /tmp/fill0 --mode bulk --puts 3000 --clients 4

``--source``: a data folder made by ``python -m bench.put_phases --fill N DIR`` (the
bench user and ``bench-contacts`` holding N bench cards; ``--fill 0`` for an empty
book). Each run copies it afresh, serves the copy with ``cms-dav serve --workers 1``
(``--workers N``: N processes sharing the port) of one tree (``PYTHONPATH`` on the
tree) and PUTs over one keep-alive connection: ``new``
cards (20 warm-up, then ``--puts`` cards never stored), ``changed`` cards (the filled
cards again with their NOTE's revision moved on, warm-up on cards 0-19 and the
measured PUTs from card 20: needs N >= 20 + puts) or ``bulk`` (``--puts`` new cards as
fast as one client sends them into a new, empty address book made beside the filled
one: cards/s; ``--clients N``: N keep-alive connections, each its share of the cards,
as the official bulk PUT with 4 clients sends them). Per run: client wall p50 / p95 per PUT, the
server's CPU per PUT (schedstat of all its threads: nanoseconds), the client's (this
process, which only sends the PUTs while a run is timed) CPU per PUT, the share of the
host's CPU time left idle meanwhile (/proc/stat: idle + iowait), the load average.
Trees run A B, B A, ... so neither always runs second on a noisy host.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import data
from bench.dav import MKCOL_ADDRESSBOOK, DavClient
from bench.servers import (HOST, PASSWORD, USER, _process_tree, free_port, sched_seconds,
                           wait_for_port)

BOOK = f"/{USER}/bench-contacts/"
VCARD = "text/vcard"


def _host_cpu() -> tuple[int, int]:
    """The host's CPU time so far (all cores, clock ticks): (idle + iowait, total)."""
    with open("/proc/stat") as stat:
        ticks = [int(field) for field in stat.readline().split()[1:]]
    return ticks[3] + ticks[4], sum(ticks[:8])


def _cpu(pid: int) -> float:
    """Seconds on a CPU of every thread of the server's process tree."""
    return sum(sched_seconds(one)[0] for one in _process_tree(pid))


def run(tree: Path, source: Path, mode: str, puts: int, work: Path, clients: int = 1,
        workers: int = 1) -> dict[str, float]:
    """One server of ``tree`` on a fresh copy of ``source``: the figures of one run."""
    folder = work / "data"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=f"{tree}{os.pathsep}{tree / 'plugins'}")
    with (work / "server.log").open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "cms_dav", "--data-dir", str(folder),
                                 "serve", "--host", HOST, "--port", str(port),
                                 "--workers", str(workers)], env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=folder)
    try:
        wait_for_port(port)
        client = DavClient(HOST, port, USER, PASSWORD, 120)

        def put(index: int, revision: int) -> float:
            body = data.make_card(index, 7, revision)
            start = time.perf_counter()
            client.put(book + data.card_href(index), body, VCARD)  # raises on an error
            return time.perf_counter() - start

        book = BOOK
        if mode == "bulk":  # a new, empty address book beside the filled one
            book = f"/{USER}/bulk-contacts/"
            client.request("MKCOL", book, MKCOL_ADDRESSBOOK % b"bulk", expect=(201,))
        if mode == "changed":
            warm, first, revision = range(0, 20), 20, 1
        else:
            warm, first, revision = range(300_000, 300_020), 400_000, 0
        if mode != "bulk":
            for index in warm:
                put(index, revision)
        time.sleep(0.5)
        load = os.getloadavg()[0]
        before, start = _cpu(proc.pid), time.perf_counter()
        own_before, host_before = time.process_time(), _host_cpu()
        if clients == 1:
            walls = [put(index, revision) for index in range(first, first + puts)]
        else:
            def share(offset: int) -> list[float]:
                own = DavClient(HOST, port, USER, PASSWORD, 120)
                try:
                    found = []
                    for index in range(first + offset, first + puts, clients):
                        body = data.make_card(index, 7, revision)
                        begun = time.perf_counter()
                        own.put(book + data.card_href(index), body, VCARD)
                        found.append(time.perf_counter() - begun)
                    return found
                finally:
                    own.close()

            with ThreadPoolExecutor(clients) as pool:
                walls = [wall for part in pool.map(share, range(clients)) for wall in part]
        elapsed = time.perf_counter() - start
        own_cpu = time.process_time() - own_before
        host_after = _host_cpu()
        idle = ((host_after[0] - host_before[0]) / max(1, host_after[1] - host_before[1]))
        time.sleep(0.1)  # the last answer's bookkeeping is counted
        cpu = _cpu(proc.pid) - before
        walls.sort()
        return {"p50": statistics.median(walls) * 1e3,
                "p95": walls[int(len(walls) * 0.95) - 1] * 1e3,
                "cpu": cpu / puts * 1e3, "client": own_cpu / puts * 1e3,
                "rate": puts / elapsed, "load": load, "idle": idle * 100}
    finally:
        proc.terminate()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.put_pairs",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--tree", action="append", required=True, metavar="NAME=DIR")
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--mode", choices=("new", "changed", "bulk"), default="new")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--puts", type=int, default=200)
    parser.add_argument("--clients", type=int, default=1,
                        help="parallel connections (bulk mode)")
    parser.add_argument("--workers", type=int, default=1,
                        help="serve --workers N: server processes sharing the port")
    args = parser.parse_args(argv)
    if args.clients > 1 and args.mode != "bulk":
        parser.error("--clients is for --mode bulk")
    trees = [(name, Path(path).resolve()) for name, path in
             (spec.split("=", 1) for spec in args.tree)]
    print(f"mode {args.mode}, {args.puts} PUTs a run, {args.clients} client(s), "
          f"{args.workers} worker process(es); per tree: wall p50 / p95 ms, server CPU ms "
          "per PUT, client CPU ms per PUT, cards/s, host CPU idle meanwhile, load")
    with tempfile.TemporaryDirectory(prefix="put_pairs-") as scratch:
        for number in range(args.pairs):
            order = trees if number % 2 == 0 else trees[::-1]
            found = {name: run(tree, args.source, args.mode, args.puts, Path(scratch),
                               args.clients, args.workers)
                     for name, tree in order}
            print(f"pair {number + 1} ({' '.join(name for name, _ in order)}): " + " | ".join(
                f"{name} {f['p50']:.2f} / {f['p95']:.2f} ms, CPU {f['cpu']:.2f} ms, "
                f"client {f['client']:.2f} ms, "
                f"{f['rate']:.0f}/s, host idle {f['idle']:.0f} %, load {f['load']:.2f}"
                for name, f in ((name, found[name]) for name, _ in trees)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
