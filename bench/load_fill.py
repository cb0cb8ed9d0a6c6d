"""``--fill load``: fill a stopped server's storage in-process, untimed, with what the
single PUTs of the ``put`` fill would have stored, in minutes instead of the hour a
100k whole-collection PUT takes (issue 19).

    python -m bench.load_fill cms_dav --data-dir D [--config C] --size N --seed S
    python -m bench.load_fill radicale --config C --size N --seed S [--jobs 2]

The address book and the calendar must exist (the bench makes them over HTTP first,
so their properties are the server's own). cms_dav: ``Store.put_items`` in batches, the
store path of ``cms-dav import``, each card's ``ItemData`` made by
``item_data_as_sent`` (the text as sent, as a PUT keeps it), the writes in the name of
the bench user through the HTTP door. Stock Radicale: each card goes through what
Radicale's PUT does to one object (``read_components``, ``check_and_sanitize_items``,
``Item.prepare``) and is written with its item cache by the multifilesystem storage's
own ``_upload_all_nonatomic`` (the code of a whole-collection PUT), in ``--jobs``
processes, so the cache a first read would build is there before timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

if __package__ in (None, ""):  # run as a script: python bench/load_fill.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402

BOOK = "bench/bench-contacts"
CALENDAR = "bench/bench-calendar"
USER = "bench"
BATCH = 500


def _batches(count: int, size: int = BATCH) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(count, start + size))


def _targets(size: int, seed: int, events: int
             ) -> list[tuple[str, str, int, Callable[[int], bytes], Callable[[int], str]]]:
    """(collection path, tag, count, body of item i, href of item i) per collection."""
    return [(BOOK, "VADDRESSBOOK", size, lambda i: data.make_card(i, seed), data.card_href),
            (CALENDAR, "VCALENDAR", events, lambda i: data.make_event(i, seed),
             data.event_href)]


def fill_cms_dav(data_dir: str, config: str, size: int, seed: int, events: int,
                 jobs: int) -> None:
    """``jobs`` - 1 worker processes read the cards ahead (``cms-dav import``'s
    read-ahead: Radicale's parse, check and serialization, the parse kept for the write
    hooks) while this process writes the batches before them."""
    from cms_dav.app import build_app
    from cms_dav.config.loader import load_settings
    from cms_dav.io.as_sent import item_data_as_sent
    from cms_dav.io.read_ahead import RowReader, read_ahead
    from cms_dav.store.records import WriteOrigin

    def origin_of(user: str) -> WriteOrigin:
        return WriteOrigin(user=user, door="http", address="127.0.0.1", method="PUT")

    settings = load_settings(data_dir, config or None)
    app = build_app(settings, origin_of=origin_of, instruments=False)
    try:
        for path, tag, count, body, href in _targets(size, seed, events):
            texts = [body(i).decode("utf-8") for i in range(count)]
            workers = jobs - 1 if tag == "VADDRESSBOOK" and count >= 2 * BATCH else 0
            rows = read_ahead(RowReader(app.store.limits, tag, path, settings.default_region),
                              texts, workers)
            for batch in _batches(count):
                entries = []
                for i in batch:
                    row = next(rows)
                    entries.append((href(i), row.data if row is not None else
                                    item_data_as_sent(texts[i], tag, path, keep_parse=True)[0]))
                refused = [r for r in app.store.put_items(path, entries, USER)
                           if isinstance(r, ValueError)]
                if refused:
                    raise SystemExit(f"/{path}/: {len(refused)} refused, e.g. {refused[0]}")
        # as `cms-dav import` ends a bulk write: the batches' search-index segments merged
        app.store.compact_search_index()
    finally:
        app.close()


def _radicale_slice(config_file: str, path: str, tag: str, suffix: str, kind: str,
                    seed: int, indices: range) -> int:
    """One process's share: Radicale's single-PUT preparation of each object, then its
    storage's whole-collection writer (files, item cache)."""
    import radicale.item as radicale_item
    from radicale import config as radicale_config, storage

    maker = data.make_card if kind == "card" else data.make_event
    configuration = radicale_config.load([(config_file, False)])
    # untimed and thrown away with the run: no fsync per file (the bytes are the same)
    configuration.update({"storage": {"_filesystem_fsync": "False"}}, "bench", privileged=True)
    occurrences = configuration.get("server", "max_vevent_rrule_occurrence")
    store = storage.load(configuration)
    # the server is stopped and every process writes other files: no storage lock (it
    # is one lock for the whole storage, and would serialize the processes)
    collection = next(iter(store.discover("/" + path + "/", depth="0")))
    items = []
    for index in indices:
        vobject_items = radicale_item.read_components(maker(index, seed).decode("utf-8"))
        radicale_item.check_and_sanitize_items(
            vobject_items, max_vevent_rrule_occurrence=occurrences, is_collection=False,
            tag=tag)
        item = radicale_item.Item(collection_path=path, vobject_item=vobject_items[0])
        item.prepare()
        items.append(item)
    collection._upload_all_nonatomic(items, suffix=suffix)  # type: ignore[attr-defined]
    return len(items)


def fill_radicale(config_file: str, size: int, seed: int, events: int, jobs: int) -> None:
    from concurrent.futures import ProcessPoolExecutor

    work = [(BOOK, "VADDRESSBOOK", ".vcf", "card", size),
            (CALENDAR, "VCALENDAR", ".ics", "event", events)]
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(_radicale_slice, config_file, path, tag, suffix, kind, seed,
                               batch)
                   for path, tag, suffix, kind, count in work
                   for batch in _batches(count, 2_000)]
        written = sum(f.result() for f in futures)
    if written != size + events:
        raise SystemExit(f"wrote {written} objects, expected {size + events}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_fill",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("server", choices=("cms_dav", "radicale"))
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--config", default="")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    start = time.monotonic()
    if args.server == "cms_dav":
        fill_cms_dav(args.data_dir, args.config, args.size, args.seed, args.events,
                     args.jobs)
    else:
        fill_radicale(args.config, args.size, args.seed, args.events, args.jobs)
    print(f"{args.server}: {args.size:,} cards and {args.events:,} events loaded in "
          f"{time.monotonic() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
