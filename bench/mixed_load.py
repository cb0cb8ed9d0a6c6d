"""Mixed sync workload from many simulated clients (issue 17, "Tests and measurements").

    python -m bench.mixed_load --clients 4,16,32 --duration 15 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test --out bench/results/mixed

Setups (each started fresh, on free loopback ports, stopped afterwards):
``sqlite-w1`` (``cms-dav serve --workers 1``), ``sqlite-w2`` (``--workers 2``) and, with
``--postgres``, ``pg-2nodes`` (two ``serve --workers 1`` processes, each its own data dir
as on two hosts, on one fresh PostgreSQL schema dropped afterwards; clients alternate).

Every simulated client is its own user with its own address book of ``--cards`` cards and
one keep-alive connection (a thread of this process). Until ``--duration`` seconds pass it
loops over a weighted mix shaped like a phone or desktop client's background sync:
PROPFIND Depth 1 (20 %), incremental sync-collection with its latest token (RFC 6578 §3.2,
30 %), addressbook-multiget of 10 cards (RFC 6352 §8.7, 15 %), GET (20 %) and PUT of a
changed card (15 %). Reported per setup and client count: requests per second, p50 and
p95 latency overall and per operation, and errors. The load generator shares the machine
with the servers, so the figures are a floor for the server, not a ceiling.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bench.dav import (MKCOL_ADDRESSBOOK, PROPFIND_GETETAG, DavClient, HttpError,
                       addressbook_multiget, sync_collection)

HOST = "127.0.0.1"
PASSWORD = "load-pw-1"
#: (operation, weight): the mix of one client's loop
MIX = (("propfind", 20), ("sync", 30), ("multiget", 15), ("get", 20), ("put", 15))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def card(uid: str, name: str, revision: int) -> bytes:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\n"
            f"EMAIL:{uid}@example.com\r\nTEL:+48 22 555 {revision:04d}\r\n"
            f"NOTE:revision {revision}\r\nEND:VCARD\r\n").encode()


@dataclass
class Node:
    """One ``cms-dav serve`` process."""

    data_dir: Path
    config: Path | None
    workers: int
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> list[str]:
        command = [sys.executable, "-m", "cms_dav", "--data-dir", str(self.data_dir)]
        return command + (["--config", str(self.config)] if self.config else []) + list(args)

    def start(self) -> None:
        log = (self.data_dir / f"serve-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            self.cli("serve", "--host", HOST, "--port", str(self.port),
                     "--workers", str(self.workers)),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cms-dav serve exited; see {log.name}")
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"cms-dav serve did not come up; see {log.name}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _users_file(path: Path, clients: int) -> None:
    from cms_dav.auth.htpasswd import HtpasswdFile
    users = HtpasswdFile(path, rounds=4)  # cheap hashes: logins are cached anyway
    for index in range(clients):
        users.add(f"u{index}", PASSWORD)


def start_setup(name: str, root: Path, clients: int, pg_url: str) -> list[Node]:
    """The nodes of one setup, started, with a users file holding every client."""
    nodes: list[Node] = []
    count, workers = (2, 1) if name == "pg-2nodes" else (1, int(name[-1]))
    for index in range(count):
        data_dir = root / f"{name}-{clients}-n{index}"
        data_dir.mkdir(parents=True)
        _users_file(data_dir / "users", clients)
        config = None
        if pg_url:
            config = data_dir / "cms-dav.conf"
            config.write_text(f"[storage]\ndatabase_url = {pg_url}\n", encoding="utf-8")
        node = Node(data_dir, config, workers)
        subprocess.run(node.cli("init"), check=True, capture_output=True, timeout=120)
        nodes.append(node)
    for node in nodes:
        node.start()
    return nodes


class SimulatedClient:
    """One user, one address book, one connection; records (operation, seconds)."""

    def __init__(self, index: int, node: Node, cards: int, seed: int) -> None:
        self.user = f"u{index}"
        self.book = f"/{self.user}/book/"
        self.dav = DavClient(HOST, node.port, self.user, PASSWORD, timeout=120)
        self.random = random.Random(seed)
        self.hrefs = [f"{self.book}c{n}.vcf" for n in range(cards)]
        self.revision = 0
        self.token = ""
        self.samples: list[tuple[str, float]] = []
        self.errors: list[str] = []

    def fill(self) -> None:
        self.dav.request("MKCOL", self.book, MKCOL_ADDRESSBOOK % self.user.encode(),
                         {"Content-Type": "application/xml"})
        for n, href in enumerate(self.hrefs):
            self.dav.put(href, card(f"{self.user}-{n}", f"Person {n} of {self.user}", 0),
                         "text/vcard")
        self.token = self.dav.report(self.book, sync_collection("")).sync_token

    def step(self) -> None:
        operation = self.random.choices([m[0] for m in MIX], [m[1] for m in MIX])[0]
        action: Callable[[], Any] = getattr(self, f"_{operation}")
        started = time.perf_counter()
        try:
            action()
        except (HttpError, OSError) as exc:
            self.errors.append(f"{operation}: {exc}")
            self.dav.close()
            return
        self.samples.append((operation, time.perf_counter() - started))

    def _propfind(self) -> None:
        self.dav.propfind(self.book, PROPFIND_GETETAG, "1")

    def _sync(self) -> None:
        self.token = self.dav.report(self.book, sync_collection(self.token)).sync_token

    def _multiget(self) -> None:
        self.dav.report(self.book, addressbook_multiget(self.random.sample(self.hrefs, 10)))

    def _get(self) -> None:
        self.dav.request("GET", self.random.choice(self.hrefs))

    def _put(self) -> None:
        self.revision += 1
        n = self.random.randrange(len(self.hrefs))
        self.dav.put(self.hrefs[n], card(f"{self.user}-{n}", f"Person {n} of {self.user}",
                                         self.revision), "text/vcard")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_load(nodes: list[Node], clients: int, cards: int, duration: float,
             seed: int) -> dict[str, Any]:
    simulated = [SimulatedClient(i, nodes[i % len(nodes)], cards, seed + i)
                 for i in range(clients)]
    for client in simulated:
        client.fill()
    stop_at = time.monotonic() + duration
    barrier = threading.Barrier(clients)

    def loop(client: SimulatedClient) -> None:
        barrier.wait()
        while time.monotonic() < stop_at:
            client.step()

    threads = [threading.Thread(target=loop, args=(c,)) for c in simulated]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for client in simulated:
        client.dav.close()
    samples = [s for c in simulated for s in c.samples]
    errors = [e for c in simulated for e in c.errors]
    per_op = {}
    for operation, _ in MIX:
        times = [t for op, t in samples if op == operation]
        per_op[operation] = {"count": len(times), "p50_ms": percentile(times, 0.5) * 1000,
                             "p95_ms": percentile(times, 0.95) * 1000}
    every = [t for _, t in samples]
    return {"clients": clients, "seconds": round(elapsed, 2), "requests": len(samples),
            "rps": len(samples) / elapsed if elapsed else 0.0,
            "p50_ms": percentile(every, 0.5) * 1000, "p95_ms": percentile(every, 0.95) * 1000,
            "errors": len(errors), "first_errors": errors[:3], "operations": per_op}


def _pg_schema(base_url: str) -> str:
    from bench.postgres import create_schema
    return create_schema(base_url)


def run(args: argparse.Namespace) -> dict[str, Any]:
    setups = ["sqlite-w1", "sqlite-w2"] + (["pg-2nodes"] if args.postgres else [])
    if args.setups:
        setups = [s for s in setups if s in args.setups.split(",")]
    counts = [int(c) for c in args.clients.split(",")]
    results: list[dict[str, Any]] = []
    root = Path(tempfile.mkdtemp(prefix="cms-dav-mixed-load-"))
    try:
        for setup in setups:
            for clients in counts:
                pg_url = _pg_schema(args.postgres) if setup == "pg-2nodes" else ""
                nodes = start_setup(setup, root, clients, pg_url)
                try:
                    row = run_load(nodes, clients, args.cards, args.duration, args.seed)
                finally:
                    for node in nodes:
                        node.stop()
                    if pg_url:
                        from bench.postgres import drop_schema
                        drop_schema(pg_url)
                row["setup"] = setup
                results.append(row)
                print(_line(row), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}, "
                       "shared; load generator on the same machine",
            "command": " ".join(["python -m bench.mixed_load"] + sys.argv[1:]),
            "cards_per_client": args.cards, "duration_s": args.duration, "results": results}


def _line(row: dict[str, Any]) -> str:
    return (f"| {row['setup']} | {row['clients']} | {row['rps']:.1f} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | " + " | ".join(
                f"{row['operations'][op]['p95_ms']:.1f}" for op, _ in MIX)
            + f" | {row['errors']} |")


def markdown(report: dict[str, Any]) -> str:
    head = ("| setup | clients | req/s | p50 ms | p95 ms | " + " | ".join(
        f"{op} p95" for op, _ in MIX) + " | errors |")
    lines = [f"# Mixed sync load, {report['date']}", "",
             f"Machine: {report['machine']}. Command: `{report['command']}`. "
             f"{report['cards_per_client']} cards per client, {report['duration_s']} s per row.",
             "", head, "|" + "---|" * (head.count("|") - 1)]
    lines += [_line(row) for row in report["results"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="4,16,32", help="comma-separated client counts")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per row")
    parser.add_argument("--cards", type=int, default=50, help="cards per client's book")
    parser.add_argument("--postgres", default="", help="base SQLAlchemy URL: adds pg-2nodes")
    parser.add_argument("--setups", default="", help="only these (sqlite-w1,sqlite-w2,...)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", type=Path, default=None, help="directory for .md and .json")
    args = parser.parse_args(argv)
    report = run(args)
    text = markdown(report)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        stamp = report["date"].replace(":", "").replace("-", "").replace("+0000", "Z")
        (args.out / f"mixed-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n",
                                                     encoding="utf-8")
        (args.out / f"mixed-{stamp}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
