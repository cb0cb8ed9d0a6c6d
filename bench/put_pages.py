"""Issue 19: which b-tree pages one PUT of a new card writes, per table and index.

    python -m bench.put_pages DIR --puts 50 [--json]   # DIR: a copy of a put_phases --fill dir

Each PUT (a new bench card, ``data.make_card``, through ``App.wsgi()``) starts on an
empty ``-wal`` (a TRUNCATE checkpoint from a separate connection between requests);
after it the WAL's frame headers name every page its write transactions wrote (a page
written twice counts once in "pages", twice in "frames"). The pages are mapped to their
b-tree and page type through SQLite's ``dbstat`` table once, after the last PUT, so a
page allocated by the run is named by what it holds at the end. A WAL page is what the
COMMIT writes and fsyncs: fewer pages per PUT is the lever on its 1-2 ms (round seven).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import struct
import sys
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script
    sys.path.append(str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402
from bench.put_phases import BOOK, _environ  # noqa: E402

WAL_HEADER, FRAME_HEADER = 32, 24


def wal_frames(wal: Path) -> list[tuple[int, bool]]:
    """(page number, is a commit frame) of each valid frame of a WAL file (its salts match
    the header's: frames left from before a restart are not part of this WAL)."""
    raw = wal.read_bytes() if wal.exists() else b""
    if len(raw) < WAL_HEADER:
        return []
    page_size = struct.unpack(">I", raw[8:12])[0]
    salts = raw[16:24]
    frames = []
    for offset in range(WAL_HEADER, len(raw) - FRAME_HEADER + 1, FRAME_HEADER + page_size):
        page, size_after = struct.unpack(">II", raw[offset:offset + 8])
        if raw[offset + 8:offset + 16] != salts:
            break
        frames.append((page, size_after != 0))
    return frames


def measure(folder: Path, puts: int, changed: bool = False) -> dict[str, Any]:
    from cms_dav.app import build_app
    from cms_dav.config import load_settings

    database = folder / "cms-dav.sqlite3"
    wal = folder / "cms-dav.sqlite3-wal"
    app = build_app(load_settings(data_dir=folder))
    wsgi = app.wsgi()
    side = sqlite3.connect(database)
    per_put: list[list[tuple[int, bool]]] = []
    statuses: Counter[str] = Counter()

    def put(index: int) -> None:
        answer: list[str] = []
        # ``changed``: the filled card ``index`` again with its NOTE's revision moved on
        body = data.make_card(index, 7, revision=1) if changed else data.make_card(index, 7)
        result = wsgi(_environ(BOOK + data.card_href(index), body),
                      lambda status, headers, exc_info=None: answer.append(status))
        b"".join(result)
        statuses[answer[0]] += 1

    try:
        warm, first = (0, 20) if changed else (100_000, 200_000)
        for index in range(warm, warm + 20):
            put(index)
        for index in range(first, first + puts):
            busy = side.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                raise RuntimeError("TRUNCATE checkpoint busy: the WAL was not emptied")
            put(index)
            per_put.append(wal_frames(wal))
    finally:
        app.close()
    owner: dict[int, tuple[str, str]] = {
        page: (name, kind) for name, page, kind in
        side.execute("SELECT name, pageno, pagetype FROM dbstat")}
    side.close()
    pages: Counter[tuple[str, str]] = Counter()
    frames: Counter[tuple[str, str]] = Counter()
    for found in per_put:
        for page in {page for page, _ in found}:
            pages[owner.get(page, ("(free or new)", ""))] += 1
        for page, _ in found:
            frames[owner.get(page, ("(free or new)", ""))] += 1
    rows = sorted(pages, key=lambda key: -pages[key])
    return {"statuses": dict(statuses), "puts": puts,
            "pages_per_put": statistics.mean(len({p for p, _ in f}) for f in per_put),
            "frames_per_put": statistics.mean(len(f) for f in per_put),
            "commits_per_put": statistics.mean(sum(c for _, c in f) for f in per_put),
            "by_btree": [{"name": name, "type": kind, "pages": pages[(name, kind)] / puts,
                          "frames": frames[(name, kind)] / puts} for name, kind in rows]}


def table(found: dict[str, Any]) -> str:
    lines = [f"{found['puts']} PUTs {found['statuses']}: pages {found['pages_per_put']:.1f}, "
             f"frames {found['frames_per_put']:.1f}, write commits "
             f"{found['commits_per_put']:.2f} per PUT",
             f"{'b-tree':42} {'type':9} {'pages':>6} {'frames':>7}"]
    lines += [f"{row['name']:42} {row['type']:9} {row['pages']:6.2f} {row['frames']:7.2f}"
              for row in found["by_btree"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--puts", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ordered-names", action="store_true",
                        help="cards named bench-0000001 ... instead of UUIDs (fill and PUTs)")
    parser.add_argument("--changed", action="store_true",
                        help="PUT changed versions of the filled cards (NOTE revision 1)")
    args = parser.parse_args(argv)
    if args.ordered_names:
        data.use_ordered_names()
    found = measure(args.folder, args.puts, args.changed)
    print(json.dumps(found, indent=1) if args.json else table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
