"""Issue 19: what makes the tail of single PUTs, PUT by PUT (in-process, as ``serve`` builds).

    python -m bench.put_tail fill DIR [--cards 10000]    # once: user, book, bench cards
    python -m bench.put_tail put DIR --out R.json [--puts 500]   # on a copy of DIR
    python -m bench.put_tail show R.json [R2.json ...]   # percentiles and who is slow

``put`` builds the app as ``cms-dav serve --workers 1`` does (background checkpoints,
housekeeping, outbox dispatch), PUTs 20 warm-up and ``--puts`` new bench cards
(``data.make_card``, seed 7) one by one through ``App.wsgi()`` and keeps for each:
wall time, thread CPU, this thread's run-queue wait (``/proc/thread-self/schedstat``),
SQL statements (``sqlite3`` trace callback), the wall and CPU of its COMMITs (the
dialect's ``do_commit``: the WAL fsync), cyclic-GC collections in it, the ``-wal`` file
size before/after, overlap with a background checkpoint round, and the CPU of the
process's other threads meanwhile. ``show`` sorts each PUT slower than 2x the p50 by
its first matching cause: an FTS5 merge (> 300 statements), run-queue wait over half
the excess, COMMIT wait over half the excess, a checkpoint round, a gen-2 GC, other.
Run a tree with ``PYTHONPATH=TREE:TREE/plugins`` from outside it.
"""

from __future__ import annotations

import argparse
import base64
import gc
import io
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script
    sys.path.append(str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402
from bench.put_phases import BOOK, PASSWORD, USER, fill  # noqa: E402  # the same book

MERGE_STATEMENTS = 300


def _environ(path: str, body: bytes, method: str = "PUT") -> dict[str, Any]:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
            "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "text/vcard", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_DEPTH": "0"}


def _schedstat(path: str = "/proc/thread-self/schedstat") -> tuple[int, int]:
    """(ns on a CPU, ns waiting on a run queue) of a thread."""
    with open(path) as file:
        run, wait, _ = file.read().split()
    return int(run), int(wait)


def _other_threads(me: int) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for tid in os.listdir("/proc/self/task"):
        if int(tid) == me:
            continue
        try:
            with open(f"/proc/self/task/{tid}/comm") as file:
                found[tid] = (_schedstat(f"/proc/self/task/{tid}/schedstat")[0],
                              file.read().strip())
        except OSError:  # the thread ended
            pass
    return found


def measure(folder: Path, puts: int, out: Path) -> None:
    from sqlalchemy import event

    import cms_dav
    from cms_dav.app import build_app
    from cms_dav.config import load_settings
    from cms_dav.store import checkpoint

    rounds: list[tuple[float, float]] = []
    run_once = checkpoint.Checkpointer.run_once

    def timed_round(self: Any) -> tuple[int, int, int]:
        start = time.perf_counter()
        try:
            return run_once(self)
        finally:
            rounds.append((start, time.perf_counter()))
    checkpoint.Checkpointer.run_once = timed_round  # type: ignore[method-assign]
    app = build_app(load_settings(data_dir=folder), background_checkpoints=True,
                    housekeeping=True, dispatch=True)
    me = threading.get_native_id()
    now: dict[str, Any] = {"statements": 0, "commit_wall": 0.0, "commit_cpu": 0.0, "gc": []}

    def statement(text: str) -> None:
        if threading.get_native_id() == me:
            now["statements"] += 1

    @event.listens_for(app.engine, "checkout")
    def on_checkout(connection: Any, record: Any, proxy: Any) -> None:
        connection.set_trace_callback(statement)

    do_commit = app.engine.dialect.do_commit

    def timed_commit(connection: Any) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            do_commit(connection)
        finally:
            if threading.get_native_id() == me:
                now["commit_wall"] += time.perf_counter() - wall
                now["commit_cpu"] += time.thread_time() - cpu
    app.engine.dialect.do_commit = timed_commit  # type: ignore[method-assign]

    def collected(phase: str, info: dict[str, Any]) -> None:
        if threading.get_native_id() != me:
            return
        if phase == "start":
            now["gc_start"] = time.perf_counter()
        else:
            now["gc"].append((info["generation"], (time.perf_counter() - now["gc_start"]) * 1e3))
    gc.callbacks.append(collected)
    wal = Path(f"{app.engine.url.database}-wal")
    wsgi = app.wsgi()
    rows: list[dict[str, Any]] = []

    def put(index: int) -> None:
        now.update(statements=0, commit_wall=0.0, commit_cpu=0.0, gc=[])
        status: list[str] = []
        wal_before = wal.stat().st_size if wal.exists() else 0
        others = _other_threads(me)
        run0, queue0 = _schedstat()
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        b"".join(wsgi(_environ(BOOK + data.card_href(index), data.make_card(index, 7)),
                      lambda line, headers, exc_info=None: status.append(line)))
        wall1, cpu1 = time.perf_counter(), time.thread_time()
        _, queue1 = _schedstat()
        other_ms: dict[str, float] = {}
        for tid, (ns, name) in _other_threads(me).items():
            spent = (ns - others.get(tid, (0, name))[0]) / 1e6
            if spent > 0:
                other_ms[name] = other_ms.get(name, 0.0) + spent
        rows.append({
            "index": index, "status": status[0].split()[0], "wall": (wall1 - wall0) * 1e3,
            "cpu": (cpu1 - cpu0) * 1e3, "runq": (queue1 - queue0) / 1e6,
            "statements": now["statements"], "commit_wall": now["commit_wall"] * 1e3,
            "commit_cpu": now["commit_cpu"] * 1e3, "gc": now["gc"], "wal_before": wal_before,
            "wal_after": wal.stat().st_size if wal.exists() else 0,
            "checkpoint_overlap": sum(1 for a, b in rounds if a < wall1 and b > wall0),
            "other_ms": other_ms})

    try:
        for index in range(199_980, 200_000):
            put(index)
        rows.clear()
        for index in range(200_000, 200_000 + puts):
            put(index)
    finally:
        app.close()
        gc.callbacks.remove(collected)
    out.write_text(json.dumps({"cms_dav": cms_dav.__file__, "load": os.getloadavg(),
                               "checkpoint_rounds": len(rounds), "rows": rows}))


def _q(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cause(row: dict[str, Any], p50: float) -> str:
    """The first matching cause of one slow PUT (see the module docstring)."""
    excess = row["wall"] - p50
    if row["statements"] > MERGE_STATEMENTS:
        return "fts merge"
    if row["runq"] > excess / 2:
        return "run queue"
    if row["commit_wall"] - row["commit_cpu"] > excess / 2:
        return "commit wait"
    if row["checkpoint_overlap"]:
        return "checkpoint"
    if any(generation == 2 for generation, _ in row["gc"]):
        return "gc gen2"
    return "other"


def show(paths: list[Path]) -> None:
    for path in paths:
        found = json.loads(path.read_text())
        rows = found["rows"]

        def q(key: str, share: float, rows: list[dict[str, Any]] = rows) -> float:
            return _q([row[key] for row in rows], share)
        p50 = q("wall", 0.5)
        causes: dict[str, int] = {}
        for row in rows:
            if row["wall"] > 2 * p50:
                causes[cause(row, p50)] = causes.get(cause(row, p50), 0) + 1
        merges = [row["cpu"] for row in rows if row["statements"] > MERGE_STATEMENTS]
        print(f"{path} ({found['cms_dav']}, load {found['load'][0]:.1f}, {len(rows)} PUTs)")
        for key in ("wall", "cpu", "runq", "commit_wall", "statements"):
            print(f"  {key:11s} p50 {q(key, .5):7.2f}  p95 {q(key, .95):7.2f}  "
                  f"p99 {q(key, .99):7.2f}  max {q(key, 1):7.2f}")
        print(f"  slower than 2x p50: {causes}; FTS5 merge PUTs {len(merges)}"
              f" (CPU p50 {_q(merges, .5) if merges else 0:.1f} ms); -wal max "
              f"{max(row['wal_after'] for row in rows) / 2**20:.0f} MB; gen-2 GCs "
              f"{sum(1 for row in rows for g, _ in row['gc'] if g == 2)}; other threads' CPU "
              f"{sum(sum(row['other_ms'].values()) for row in rows) / len(rows):.2f} ms/PUT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("fill", "put", "show"))
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--puts", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.command == "fill":
        fill(args.paths[0], args.cards)
    elif args.command == "put":
        measure(args.paths[0], args.puts, args.out or Path("put_tail.json"))
    else:
        show(args.paths)


if __name__ == "__main__":
    main()
