"""Issue 19 target 2: what the slow single-card GETs are, sample by sample (round nine).

    python -m bench.get_tail --size 10000 --samples 150 --pairs 3 [--baseline DIR]

Fills one book of ``--size`` bench cards (and size/10 events) in-process into each
server's storage as ``--fill load`` does, then, in ``--pairs`` interleaved rounds
(base, branch, Radicale; the order reversed every round), sends ``--samples`` GETs of
random cards over one keep-alive connection per server, as the bench's ``get``
operation does. Per GET it reads, before and after, every server thread's run time
and run-queue wait (``/proc/PID/task/TID/schedstat``) and the client's own, and
cms_dav runs under :mod:`bench.gc_logged`, so the cyclic-GC collections that overlap
a GET are known. Prints per round and server the load, p50/p95, and at the end the
slow samples (≥ p95 of that server) sorted into: run-queue wait over 1 ms (the
machine was busy), a GC collection, more server CPU than the median GET + 0.5 ms
(work the server did), or other.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import data, operations as ops
from bench.servers import CmsDavServer, RadicaleServer, Server, _process_tree

BOOK = ops.BOOK
#: one GET: (client start, client end, {thread: (run ns, wait ns)})
Sample = tuple[float, float, dict[str, tuple[int, int]]]


class LoggedCms(CmsDavServer):
    """cms_dav under bench.gc_logged, from this tree or (``source``) another one."""

    def __init__(self, workdir: Path, python: str, key: str, source: Path | None) -> None:
        self.key = self.label = key  # the server's folder in ``workdir``
        self.source = source
        super().__init__(workdir, python)
        self.gc_log = self.workdir / "gc.log"

    def command(self) -> list[str]:
        args = super().command()
        root = Path(__file__).resolve().parent.parent
        # run as a file: a baseline tree has a bench package of its own
        path = [root] if self.source is None else [self.source, self.source / "plugins"]
        return ["env", f"PYTHONPATH={os.pathsep.join(map(str, path))}",
                f"GC_LOG={self.gc_log}", args[0], str(root / "bench" / "gc_logged.py"),
                *args[3:]]


def _threads(pid: int) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for process in _process_tree(pid):
        for tid in os.listdir(f"/proc/{process}/task"):
            try:
                with open(f"/proc/{process}/task/{tid}/schedstat", encoding="ascii") as f:
                    run, wait, _ = f.read().split()
            except OSError:
                continue
            found["main" if int(tid) == process else f"thread+{int(tid) - process}"] = (
                int(run), int(wait))
    return found


def _own() -> tuple[int, int]:
    with open("/proc/thread-self/schedstat", encoding="ascii") as f:
        run, wait, _ = f.read().split()
    return int(run), int(wait)


def timed_round(server: Server, size: int, count: int, seed: str) -> list[Sample]:
    """``count`` GETs of random cards of the book, each a :class:`Sample` (shared with
    ``bench.loop_split``, which times the same round per thread)."""
    rng = random.Random(seed)
    client = server.client(timeout=60)
    client.request("GET", BOOK + data.card_href(0), expect=(200,))
    assert server.proc is not None
    pid = server.proc.pid
    samples: list[Sample] = []
    try:
        for _ in range(count):
            path = BOOK + data.card_href(rng.randrange(size))
            before, own = _threads(pid), _own()
            start = time.monotonic()
            client.request("GET", path, expect=(200,))
            end = time.monotonic()
            after, own_after = _threads(pid), _own()
            per = {name: (run - before.get(name, (0, 0))[0], wait - before.get(name, (0, 0))[1])
                   for name, (run, wait) in after.items()}
            per["client"] = (own_after[0] - own[0], own_after[1] - own[1])
            samples.append((start, end, {k: v for k, v in per.items() if v != (0, 0)}))
    finally:
        client.close()
    return samples


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _collections(path: Path) -> list[tuple[float, float, int]]:
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except OSError:
        return []
    return [(float(a), float(b), int(g)) for a, b, g, _ in (line.split() for line in lines)]


def _report(key: str, rounds: list[list[Sample]], gc_log: Path | None) -> None:
    flat = [s for samples in rounds for s in samples]
    wall = [(end - start) * 1e3 for start, end, _ in flat]
    slow_from = _percentile(wall, 0.95)
    gcs = _collections(gc_log) if gc_log else []
    first, last = min(s[0] for s in flat), max(s[1] for s in flat)
    during = [g for g in gcs if g[1] >= first and g[0] <= last]

    def overlapping(start: float, end: float) -> list[int]:
        return [g for a, b, g in during if b >= start and a <= end]

    server_run = sorted(sum(v[0] for k, v in per.items() if k != "client")
                        for _, _, per in flat)
    typical = server_run[len(server_run) // 2]
    kinds: collections.Counter[str] = collections.Counter()
    slow = [s for s in flat if (s[1] - s[0]) * 1e3 >= slow_from]
    for start, end, per in slow:
        wait = sum(v[1] for v in per.values())
        run = sum(v[0] for k, v in per.items() if k != "client")
        kinds["run-queue wait > 1 ms" if wait > 1_000_000 else
              "GC collection" if overlapping(start, end) else
              "server CPU > median + 0.5 ms" if run > typical + 500_000 else "other"] += 1
    collected = (f"; GC collections during the rounds: {len(during)} (gen 2: "
                 f"{sum(1 for g in during if g[2] == 2)})" if gc_log else "")
    print(f"{key}: {len(wall)} GETs, p50 {_percentile(wall, 0.5):.2f} ms, p95 "
          f"{slow_from:.2f} ms; server CPU per GET median {typical / 1e3:.0f} µs{collected}")
    print(f"  slow samples (≥ p95): {dict(kinds)}")
    for start, end, per in sorted(slow, key=lambda s: s[0] - s[1])[:5]:
        threads = " ".join(f"{k} {r // 1000}/{w // 1000}" for k, (r, w) in sorted(per.items()))
        print(f"    {(end - start) * 1e3:6.2f} ms  GC {overlapping(start, end)}  "
              f"run/wait µs: {threads}")


def _fill(servers: list[Server], size: int, workdir: Path) -> None:
    ctx = ops.Context(size=size, seed=6, repeats=1, latency_samples=1, cap=30.0,
                      workdir=workdir)
    states = []
    for server in servers:
        server.start()
        states.append(ops.ServerState(server, server.client(timeout=600)))
    ops.fill_load(ctx, states)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=150)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="also run cms_dav from this source tree (`git archive BASE | "
                             "tar -x -C DIR`), on a copy of the same data")
    parser.add_argument("--no-radicale", action="store_true")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="get-tail-"))
    branch = LoggedCms(workdir, args.python, "branch", None)
    servers: list[Server] = [branch]
    if not args.no_radicale:
        servers.append(RadicaleServer(workdir, args.python))
    try:
        _fill(servers, args.size, workdir)
        if args.baseline is not None:
            base = LoggedCms(workdir, args.python, "base", args.baseline.resolve())
            shutil.copytree(branch.data_dir, base.data_dir)
            servers.insert(0, base)
        results: dict[str, list[list[Sample]]] = {s.key: [] for s in servers}
        for server in servers:
            server.launch()
            timed_round(server, args.size, 200, "warm")  # imports, caches, the login
        for number in range(args.pairs):
            for server in servers if number % 2 == 0 else servers[::-1]:
                server.wait_idle(limit=30)
                load = open("/proc/loadavg", encoding="ascii").read().split()[0]
                samples = timed_round(server, args.size, args.samples, f"6:get:{number}")
                results[server.key].append(samples)
                wall = [(end - start) * 1e3 for start, end, _ in samples]
                print(f"round {number + 1} {server.key:8} load {load:>5}  p50 "
                      f"{_percentile(wall, 0.5):5.2f}  p95 {_percentile(wall, 0.95):5.2f} ms",
                      flush=True)
    finally:
        for server in servers:
            server.stop()
    for server in servers:
        _report(server.key, results[server.key],
                getattr(server, "gc_log", None))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
