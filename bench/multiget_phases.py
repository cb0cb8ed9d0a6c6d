"""A multiget of all in-process, phase by phase (thread CPU), source trees side by side.

    python -m bench.multiget_phases --data D --tree base=/tmp/base --tree branch=. \\
        [--pairs 3] [--runs 3]
    PYTHONPATH=TREE:TREE/plugins python -m bench.multiget_phases --data D [--runs 5]

With ``--tree``, each pair runs this script once per tree (in that order, then the
other way round: A B, B A, ...), each in its own process with ``PYTHONPATH`` on the
tree, and prints the pairs' phases side by side with the load average. Without it,
the tree on ``PYTHONPATH`` is measured.

``D`` is a data folder filled as ``--fill load`` fills it (``bench.load_fill``); it is
only read (but migrated to the tree's head when the app opens it: with ``--tree``, a
folder ``D/NAME`` per tree, if there, is that tree's copy). The request goes through
the whole WSGI stack (``App.wsgi()``, the login cache warmed by a PROPFIND first) and
its answer is joined, as the stdlib client would.
Phases are the thread CPU (``time.thread_time``) inside the functions below, wrapped
where the tree has them (base and branch trees may differ): the XML guard's quick
check, the request-shape check, the hrefs' names, the id runs, the page reads, the
pick, the render; "whole" is the WSGI call and the iteration of its answer. Prints
min / median per phase (ms) over ``--runs`` runs, and the answer's size.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import subprocess
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterator

if __package__ in (None, ""):  # run as a file by _compare, with a tree on PYTHONPATH
    sys.path.pop(0)

from bench.dav import addressbook_multiget  # noqa: E402
from bench.servers import PASSWORD, USER  # noqa: E402

BOOK = f"/{USER}/bench-contacts/"
PHASES = ["guard", "shape", "names", "ids", "fetch", "pick", "render", "whole"]
SPENT: dict[str, float] = defaultdict(float)


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[name] += time.thread_time() - start
    return wrapper


def _timed_iter(name: str, function: Callable[..., Iterator[Any]]
                ) -> Callable[..., Iterator[Any]]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        start = time.thread_time()
        iterator = iter(function(*args, **kwargs))
        SPENT[name] += time.thread_time() - start
        while True:
            start = time.thread_time()
            try:
                item = next(iterator)
            except StopIteration:
                SPENT[name] += time.thread_time() - start
                return
            SPENT[name] += time.thread_time() - start
            yield item
    return wrapper


def _wrap(module: Any, attribute: str, name: str, iterating: bool = False) -> None:
    function = getattr(module, attribute, None)
    if function is not None:
        setattr(module, attribute, (_timed_iter if iterating else _timed)(name, function))


def _instrument() -> None:
    from cms_dav.store import listing
    from cms_dav.wsgi import fast_multiget, listing_request, rejections, xml_guard

    _wrap(xml_guard, "quick_multiget_check", "guard")
    _wrap(rejections, "xml_shape_problem", "shape")
    _wrap(listing_request, "multiget_names", "names")
    _wrap(listing, "raw_id_pages", "ids", iterating=True)
    _wrap(listing, "raw_by_ids", "fetch")
    _wrap(listing, "raw_page_reader", "fetch")
    _wrap(fast_multiget.NamePicker, "pick", "pick")
    for attribute in ("_all_etag_and_text", "render_all"):
        _wrap(fast_multiget.RowRenderer, attribute, "render")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.multiget_phases",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one more run")
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=DIR",
                        help="a source tree to compare (give two or more)")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tree:
        return _compare(args)
    import sqlite3

    from cms_dav.app import build_app
    from cms_dav.config import load_settings
    from tests.wsgi.wsgi_call import call

    with sqlite3.connect(f"file:{args.data / 'cms-dav.sqlite3'}?mode=ro", uri=True) as db:
        (collection_id,) = db.execute("SELECT id FROM collections WHERE path = ?",
                                      (BOOK.strip("/"),)).fetchone()
        hrefs = [BOOK + href for (href,) in db.execute(
            "SELECT href FROM items WHERE collection_id = ? ORDER BY href",
            (collection_id,))]
    body = addressbook_multiget(hrefs)
    _instrument()
    app = build_app(load_settings(data_dir=args.data))
    wsgi = app.wsgi()
    auth = (USER, PASSWORD)
    headers = {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"}
    try:
        call(wsgi, "PROPFIND", f"/{USER}/", b"", {"Depth": "0"}, auth)
        runs: list[dict[str, float]] = []
        size = 0
        for _ in range(args.runs + 1):  # the first warms the caches, not counted
            SPENT.clear()
            start = time.thread_time()
            answer = call(wsgi, "REPORT", BOOK, body, headers, auth)
            SPENT["whole"] = time.thread_time() - start
            size = len(answer.body)
            del answer
            runs.append(dict(SPENT))
        runs = runs[1:]
        if args.json:
            print(json.dumps({"size": size, "runs": runs}))
            return 0
        print(f"{len(hrefs):,} cards, answer {size:,} bytes, {args.runs} runs")
        for name in PHASES:
            values = [run.get(name, 0.0) * 1e3 for run in runs]
            print(f"  {name:7} min {min(values):7.1f}  median {statistics.median(values):7.1f} ms")
        if args.profile:
            import cProfile
            import pstats
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
            call(wsgi, "REPORT", BOOK, body, headers, auth)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
            print(out.getvalue())
    finally:
        app.close()
    return 0


def _compare(args: argparse.Namespace) -> int:
    trees = dict(spec.split("=", 1) for spec in args.tree)
    names = list(trees)
    sizes = set()
    print("| pair | tree | " + " | ".join(PHASES) + " | load |")
    print("|---" * (len(PHASES) + 3) + "|")
    for number in range(args.pairs):
        for name in (names if number % 2 == 0 else names[::-1]):
            tree = Path(trees[name]).resolve()
            env = dict(os.environ, PYTHONPATH=f"{tree}{os.pathsep}{tree / 'plugins'}")
            # a folder per tree when ``--data`` holds one (as bench.multiget_pairs' does):
            # a tree whose migrations differ must not migrate the other's copy
            data = args.data / name if (args.data / name).is_dir() else args.data
            done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--data",
                                   str(data), "--runs", str(args.runs), "--json"],
                                  env=env, cwd=tree, capture_output=True, check=True)
            result = json.loads(done.stdout.decode().strip().splitlines()[-1])
            sizes.add(result["size"])
            cells = []
            for phase in PHASES:
                values = [run.get(phase, 0.0) * 1e3 for run in result["runs"]]
                cells.append(f"{min(values):.0f}/{statistics.median(values):.0f}")
            print(f"| {number + 1} | {name} | " + " | ".join(cells) +
                  f" | {os.getloadavg()[0]:.1f} |", flush=True)
    print(f"(thread CPU ms, min/median of {args.runs}; answers of {sorted(sizes)} bytes)")
    return 0 if len(sizes) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
