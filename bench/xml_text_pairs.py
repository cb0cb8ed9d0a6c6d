"""A multiget of all's page reads and render, the texts checked for ``&<>`` when read
(base) against escaped by the database on the stored flag (``items.xml_plain``,
round ten), in one process, interleaved (A B B A ...).

    PYTHONPATH=. python -m bench.xml_text_pairs --data D [--rounds 8]

``D``: a data folder migrated to the ``xml_plain`` flag (bench.load_fill, then a
start of this tree), SQLite; only read. Both ways read every page of the book's id
runs (``listing.raw_id_pages``, ``listing.raw_by_ids``) and render it
``fast_multiget.SLICE`` rows at a time with ``RowRenderer.render_all`` for getetag and
address-data: "check" reads ``CAST(text AS BLOB)`` and joins each slice's texts for
the three ``in`` scans first (base's ``_plain_texts``), "flag" reads
``listing.raw_text_column`` and checks nothing. Both answers must be equal (no text of
the bench holds ``&<>``). Prints thread CPU ms of fetch and render per round, then
min / median per way, with the load average: one process, so the two ways share the
host's noise far more evenly than two servers or two processes do.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Sequence

BOOK = "bench/bench-contacts"
BASE_TEXT = "CAST(text AS BLOB) AS text"


def _checked(texts: Sequence[Any]) -> bool:
    """Base's ``_plain_texts`` (c166bf2): the texts joined, three ``in`` scans."""
    joined = b"".join(texts)
    return not (b"&" in joined or b"<" in joined or b">" in joined)


def _one(store: Any, collection_id: int, renderer: Any, check: bool) -> tuple[float, float,
                                                                             int]:
    from cms_dav.store import listing
    from cms_dav.wsgi.fast_multiget import SLICE

    fetch = render = 0.0
    size = 0
    for ids in listing.raw_id_pages(store, collection_id):
        start = time.thread_time()
        rows = listing.raw_by_ids(store, collection_id, ids, renderer.columns)
        middle = time.thread_time()
        for first in range(0, len(rows), SLICE):
            part = rows[first:first + SLICE]
            if check and not _checked([row[2] for row in part]):
                raise SystemExit("a bench text holds &<>: not comparable")
            size += len(renderer.render_all(part))
        fetch += middle - start
        render += time.thread_time() - middle
    return fetch * 1e3, render * 1e3, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.xml_text_pairs",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args(argv)
    from cms_dav.store import listing
    from cms_dav.store.store import Store
    from cms_dav.wsgi import multistatus_stream as ms
    from cms_dav.wsgi.fast_multiget import RowRenderer
    from cms_dav.wsgi.listing_request import ADDRESS_DATA, GETETAG, REPORT_PROPS

    store = Store.open(f"sqlite:///{args.data / 'cms-dav.sqlite3'}")
    head = listing.collection_head(store, BOOK)
    assert head is not None, f"no /{BOOK}/ in {args.data}"
    props = (GETETAG, ADDRESS_DATA)
    writer = ms.ResponseWriter("", BOOK, props, REPORT_PROPS)
    ways = {"check": RowRenderer(BASE_TEXT, writer, props, REPORT_PROPS),
            "flag": RowRenderer(listing.raw_text_column(store.engine), writer, props,
                                REPORT_PROPS)}
    results: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
    sizes = set()
    order = list(ways)
    _one(store, head.id, ways["flag"], False)  # warms the OS cache and SQLite's
    for number in range(args.rounds):
        for way in (order if number % 2 == 0 else order[::-1]):
            fetch, render, size = _one(store, head.id, ways[way], way == "check")
            sizes.add(size)
            results[way].append((fetch, render))
            print(f"round {number + 1} {way:5} fetch {fetch:6.1f} render {render:6.1f} ms "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    for way, values in results.items():
        fetches, renders = [v[0] for v in values], [v[1] for v in values]
        sums = [f + r for f, r in values]
        print(f"{way:5} fetch {min(fetches):.1f}/{statistics.median(fetches):.1f}  render "
              f"{min(renders):.1f}/{statistics.median(renders):.1f}  both "
              f"{min(sums):.1f}/{statistics.median(sums):.1f} ms (min/median)")
    print(f"answers: {sorted(sizes)} bytes")
    store.engine.dispose()
    return 0 if len(sizes) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
