"""Issue 19 target 4: the ``contains`` queries, base against branch, server side (round nine).

    python -m bench.query_pairs --baseline DIR [--data D | --size 100000] [--pairs 4]

Two ``cms-dav serve --workers 1`` on copies of one data dir: this tree and ``--baseline``
(``git archive BASE | tar -x -C DIR``). The data: ``--data``, a cms_dav data dir holding
the bench book (e.g. ``python -m bench ... --fill load --keep``), or ``--size`` cards
loaded here as ``--fill load`` does (minutes at 100k). After one untimed query of each
property per server, ``--pairs`` interleaved rounds (the order reversed every round)
send ``--repeats`` ETag-only queries per property, as the bench's ``substring_*``
operations do, and print per server the medians of the wall time and of the server's
CPU time (``/proc/PID/task/*/schedstat``), the load, and at the end each server's peak
resident memory (VmHWM, as the bench reports it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import data, operations as ops
from bench.dav import addressbook_query
from bench.servers import CmsDavServer

PROPS = ("ORG", "FN", "N", "EMAIL")


class TreeServer(CmsDavServer):
    """cms_dav from ``source`` (None: this tree) on its own copy of the data."""

    def __init__(self, workdir: Path, python: str, key: str, source: Path | None) -> None:
        self.key = self.label = key
        self.source = source
        super().__init__(workdir, python)

    def command(self) -> list[str]:
        if self.source is None:
            return super().command()
        return ["env", f"PYTHONPATH={self.source}{os.pathsep}{self.source / 'plugins'}",
                *super().command()]


def _load(size: int, workdir: Path, python: str) -> Path:
    server = CmsDavServer(workdir / "fill", python)
    server.start()
    ctx = ops.Context(size=size, seed=6, repeats=1, latency_samples=1, cap=30.0,
                      workdir=workdir)
    ops.fill_load(ctx, [ops.ServerState(server, server.client(timeout=600))])
    return server.data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--data", type=Path, help="a cms_dav data dir with the bench book")
    what.add_argument("--size", type=int, help="load this many bench cards first")
    parser.add_argument("--book-size", type=int, default=None,
                        help="cards in --data's book (default: --size, else 100000)")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--props", default=",".join(PROPS))
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="query-pairs-"))
    size = args.size or args.book_size or 100_000
    props = args.props.split(",")
    source = args.data if args.data else _load(args.size, workdir, args.python)
    servers = [TreeServer(workdir, args.python, "base", args.baseline.resolve()),
               TreeServer(workdir, args.python, "branch", None)]
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        s.key: {p: [] for p in props} for s in servers}
    bodies = {p: addressbook_query(p, data.substring_query_text(p, size, 6), "contains",
                                   with_data=False) for p in props}
    try:
        for server in servers:
            shutil.copytree(source, server.data_dir)
            server.launch()
            client = server.client(timeout=600)
            for prop in props:
                client.report(ops.BOOK, bodies[prop])  # untimed: caches, imports
            client.close()
        for number in range(args.pairs):
            for server in servers if number % 2 == 0 else servers[::-1]:
                server.wait_idle(limit=30)
                load = open("/proc/loadavg", encoding="ascii").read().split()[0]
                client = server.client(timeout=600)
                line = []
                for prop in props:
                    walls, cpus = [], []
                    for _ in range(args.repeats):
                        cpu, start = server.sched_seconds()[0], time.perf_counter()
                        answer = client.report(ops.BOOK, bodies[prop])
                        walls.append(time.perf_counter() - start)
                        cpus.append(server.sched_seconds()[0] - cpu)
                    wall, cpu = statistics.median(walls), statistics.median(cpus)
                    results[server.key][prop].append((wall, cpu))
                    line.append(f"{prop} {wall * 1e3:6.1f} / {cpu * 1e3:6.1f} ms "
                                f"({answer.response_count:,})")
                client.close()
                print(f"pair {number + 1} {server.key:6} load {load:>5}  wall / CPU: "
                      + "; ".join(line), flush=True)
        for server in servers:
            print(f"{server.key}: peak memory (VmHWM) {server.peak_memory_bytes() / 1e6:.1f} MB")
    finally:
        for server in servers:
            server.stop()
    for prop in props:
        print(f"{prop:5} median wall / CPU: " + ";  ".join(
            f"{key} {statistics.median(w for w, _ in r[prop]) * 1e3:6.1f} / "
            f"{statistics.median(c for _, c in r[prop]) * 1e3:6.1f} ms"
            for key, r in results.items()))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
