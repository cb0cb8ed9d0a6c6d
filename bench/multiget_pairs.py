"""A multiget of all items (issue 19 target 6) by two source trees side by side.

Over HTTP, with the bytes-from-memory floor in the same rounds:

    python -m bench.multiget_pairs --tree base=/tmp/base --tree branch=. \\
        --data /tmp/h100k --rounds 4 --requests 3

``--data`` holds one copy of a data folder per tree (``/tmp/h100k/base``,
``/tmp/h100k/branch``), e.g. made by ``bench.load_fill`` (``--fill load``): each tree
serves its own copy with ``cms-dav serve --workers 1`` run by this Python with
``PYTHONPATH`` on the tree. Rounds alternate the trees' order (A B, B A, ...); the floor
(:mod:`bench.memserve`, serving the first answer's bytes) runs last in each round. Per
round and server: CPU per request (utime+stime from /proc, mean), the event-loop
thread's share of it (the main thread's run time from ``/proc/PID/task/PID/schedstat``,
mean: h11 framing, the sends, the hand-overs; round ten), the client's wall
time (median) and the client's own CPU reading the answer (median: a chunked answer
costs the stdlib client more than the floor's Content-Length one), and the load
average; per tree VmHWM when idle, after its first multiget of all and at the end.
Every tree's answer must hold the same responses (the same bytes once the responses
are sorted: a multiget's responses come in no particular order, RFC 4918 §9.1, and a
tree that reads the book in storage order answers in that order).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.dav import DavClient, addressbook_multiget
from bench.servers import HOST, PASSWORD, USER, cpu_seconds, free_port, wait_for_port

BOOK = f"/{USER}/bench-contacts/"


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _serve(tree: Path, data: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=f"{tree}{os.pathsep}{tree / 'plugins'}")
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cms_dav", "--data-dir", str(data),
                                 "serve", "--host", HOST, "--port", str(port),
                                 "--workers", "1"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=data)
    wait_for_port(port)
    return proc, port


def _loop_seconds(pid: int) -> float:
    """The main thread's (the event loop's) time on a CPU so far, in seconds."""
    return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[0]) / 1e9


def _hrefs(data: Path) -> list[str]:
    with sqlite3.connect(data / "cms-dav.sqlite3") as db:
        (collection_id,) = db.execute("SELECT id FROM collections WHERE path = ?",
                                      (BOOK.strip("/"),)).fetchone()
        return [BOOK + href for (href,) in db.execute(
            "SELECT href FROM items WHERE collection_id = ? ORDER BY href", (collection_id,))]


def _responses(answer: bytes) -> tuple[bytes, ...]:
    """The answer's ``<response>`` elements, sorted, after its head."""
    responses = re.findall(rb"<response>.*?</response>", answer, re.DOTALL)
    return (answer[:answer.find(b"<response>")], *sorted(responses))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.multiget_pairs",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--tree", action="append", required=True, metavar="NAME=DIR",
                        help="a source tree to serve (give two or more)")
    parser.add_argument("--data", type=Path, required=True,
                        help="folder holding one data folder copy per tree NAME")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3, help="per server and round")
    args = parser.parse_args(argv)
    trees = {name: Path(path).resolve() for name, path in
             (spec.split("=", 1) for spec in args.tree)}
    body = addressbook_multiget(_hrefs(args.data / next(iter(trees))))
    servers: dict[str, tuple[subprocess.Popen[bytes], DavClient]] = {}
    floor_proc: subprocess.Popen[bytes] | None = None
    try:
        for name, tree in trees.items():
            proc, port = _serve(tree, args.data / name, args.data / f"{name}.log")
            client = DavClient(HOST, port, USER, PASSWORD, 600)
            client.propfind(f"/{USER}/", b"", "0")  # the login cache knows the user
            servers[name] = proc, client
            print(f"{name}: pid {proc.pid}, VmHWM idle {_hwm_mb(proc.pid):.1f} MB", flush=True)
        answers = {}
        for name, (proc, client) in servers.items():
            answers[name] = client.report(BOOK, body).body
            print(f"{name}: {len(answers[name]):,} bytes, VmHWM after the first multiget "
                  f"of all {_hwm_mb(proc.pid):.1f} MB", flush=True)
        if len({_responses(answer) for answer in answers.values()}) != 1:
            print("the trees' answers differ", file=sys.stderr)
            return 1
        answer = next(iter(answers.values()))
        with tempfile.NamedTemporaryFile(delete=False, suffix=".xml") as file:
            file.write(answer)
        floor_port = free_port()
        floor_proc = subprocess.Popen([sys.executable, "-m", "bench.memserve",
                                       str(floor_port), file.name],
                                      cwd=Path(__file__).resolve().parent.parent)
        wait_for_port(floor_port)
        floor_client = DavClient(HOST, floor_port, USER, PASSWORD, 600)
        floor_client.report(BOOK, body)

        def run(proc: subprocess.Popen[bytes], client: DavClient
                ) -> tuple[float, float, float, float]:
            cpus, loops, walls, client_cpus = [], [], [], []
            for _ in range(args.requests):
                before, start, own = cpu_seconds(proc.pid), time.perf_counter(), \
                    time.thread_time()
                loop_before = _loop_seconds(proc.pid)
                response = client.report(BOOK, body)
                walls.append(time.perf_counter() - start)
                client_cpus.append(time.thread_time() - own)
                time.sleep(0.05)  # the server's last writes are counted
                cpus.append(cpu_seconds(proc.pid) - before)
                loops.append(_loop_seconds(proc.pid) - loop_before)
                if len(response.body) != len(answer):
                    raise RuntimeError("a different answer")
            return (statistics.mean(cpus) * 1e3, statistics.mean(loops) * 1e3,
                    statistics.median(walls) * 1e3, statistics.median(client_cpus) * 1e3)

        names = list(servers)
        print("| round | " + " | ".join(f"{name} CPU / loop / wall / client CPU" for name in
                                         names + ["floor"]) + " | load |")
        for number in range(args.rounds):
            figures = {name: run(*servers[name])
                       for name in (names if number % 2 == 0 else names[::-1])}
            figures["floor"] = run(floor_proc, floor_client)
            print(f"| {number + 1} | " + " | ".join(
                "{:.0f} / {:.0f} / {:.0f} / {:.0f} ms".format(*figures[name])
                for name in names + ["floor"]) + f" | {os.getloadavg()[0]:.1f} |", flush=True)
        for name, (proc, _client) in servers.items():
            print(f"{name}: VmHWM at the end {_hwm_mb(proc.pid):.1f} MB")
        os.unlink(file.name)
    finally:
        for proc, _client in servers.values():
            proc.terminate()
            proc.wait()
        if floor_proc is not None:
            floor_proc.terminate()
            floor_proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
