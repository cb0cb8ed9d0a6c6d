"""The XML guard's quick check of a plain multiget body, source trees side by side.

    python -m bench.plain_body_pairs --tree base=/tmp/base --tree branch=. \\
        [--hrefs 100000] [--pairs 3] [--runs 7]

Each pair runs one process per tree (A B, then B A, ...) with ``PYTHONPATH`` on the
tree; each process builds the same body (``--hrefs`` hrefs ``/alice/book/<uuid>.vcf``,
seeded, one per line, as a client sends a multiget of all) and times
``quick_multiget_check`` on it: thread CPU, min and median of ``--runs`` (ms). Prints
the pairs side by side with the load average. No data folder, no server.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a file by _compare, with a tree on PYTHONPATH
    sys.path.pop(0)

NS = 'xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"'


def body(hrefs: int) -> bytes:
    rng = random.Random(6)
    run = "".join(f"<d:href>/alice/book/{uuid.UUID(int=rng.getrandbits(128))}.vcf</d:href>\n"
                  for _ in range(hrefs))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<cr:addressbook-multiget {NS}>\n'
            f"<d:prop><d:getetag/><cr:address-data/></d:prop>\n{run}"
            "</cr:addressbook-multiget>\n").encode()


def measure(hrefs: int, runs: int) -> dict[str, float]:
    from cms_dav.config import Limits
    from cms_dav.wsgi.xml_guard import quick_multiget_check

    data, limits, times = body(hrefs), Limits(max_xml_elements=10 * hrefs), []
    for _ in range(runs):
        start = time.thread_time()
        parsed = quick_multiget_check(data, "application/xml; charset=utf-8", limits)
        times.append((time.thread_time() - start) * 1000)
        assert parsed is not None and parsed.hrefs is not None
    return {"min": min(times), "median": statistics.median(times)}


def compare(trees: list[tuple[str, Path]], hrefs: int, pairs: int, runs: int) -> None:
    for pair in range(pairs):
        order = trees if pair % 2 == 0 else trees[::-1]
        load = Path("/proc/loadavg").read_text().split()[0]
        cells = {}
        for name, tree in order:
            env = dict(os.environ, PYTHONPATH=f"{tree}:{tree}/plugins")
            out = subprocess.run([sys.executable, __file__, "--hrefs", str(hrefs), "--runs",
                                  str(runs)], env=env, capture_output=True, text=True,
                                 check=True).stdout
            cells[name] = json.loads(out)
        print(f"pair {pair + 1} (load {load}, {' then '.join(n for n, _ in order)}): "
              + "  ".join(f"{name} {cells[name]['min']:.1f}/{cells[name]['median']:.1f}"
                          for name, _ in trees) + "  ms CPU min/median")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[], help="name=path")
    parser.add_argument("--hrefs", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.tree:
        trees = [(name, Path(path).resolve()) for name, path in
                 (tree.split("=", 1) for tree in args.tree)]
        compare(trees, args.hrefs, args.pairs, args.runs)
    else:
        print(json.dumps(measure(args.hrefs, args.runs)))


if __name__ == "__main__":
    main()
