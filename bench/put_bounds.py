"""Issue 19 target 1: upper bounds of a new card's store work, one piece switched off.

    python -m bench.put_bounds DIR --puts 200 --rounds 2 [--variant NAME ...]
    python -m bench.put_bounds DIR --alternate 20 [--variant NAME ...]  # patches only

``DIR``: a data folder made by ``python -m bench.put_phases --fill N DIR``. Each run
copies it afresh and PUTs 20 warm-up and ``--puts`` new bench cards through
``App.wsgi()`` in a process of its own (``put_phases.measure``, no timers: the thread CPU
of each whole PUT), with one piece of the store's work taken away (:data:`VARIANTS`).
The data such a run writes is wrong on purpose (an index without its trigram rows, a
table without an index): what the PUT would cost without that piece is an upper bound
of what any change to it can gain, not a design. Variants run in interleaved order
(A B C, C B A, ...) so none always runs first on a noisy host; per run: p50 and mean
thread CPU per PUT, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Sequence

if __package__ in (None, ""):  # run as a script
    sys.path.append(str(Path(__file__).resolve().parent.parent))


def _swap(owner: Any, name: str, value: Any) -> Callable[[], None]:
    """Set ``owner.name`` to ``value``; the undo that puts the old one back."""
    old = getattr(owner, name)
    setattr(owner, name, value)
    return lambda: setattr(owner, name, old)


def _no_trigram_feeds() -> Callable[[], None]:
    from cms_dav.store import fts

    undo = [_swap(fts, "feed_many", lambda *args, **kwargs: None),
            _swap(fts, "feed_new", lambda *args, **kwargs: None)]
    return lambda: [step() for step in undo] and None


def _no_value_rows() -> Callable[[], None]:
    from cms_dav.contacts import index_store
    from cms_dav.store import fts

    class Nothing:
        def execute_tuples(self, *args: Any) -> None:
            return None

    feed = fts.feed_many

    def terms_only(conn: Any, table: str, item_ids: list[int]) -> None:
        if table != "contact_values":
            feed(conn, table, item_ids)
    undo = [_swap(index_store, "_INSERT_VALUES", Nothing()),
            _swap(fts, "feed_many", terms_only)]
    return lambda: [step() for step in undo] and None


def _no_note_value_trigrams() -> Callable[[], None]:
    """The NOTE values (about half of a bench card's value characters) left out of the
    values' trigram table: what a DAV text-match on NOTE answered by a scan instead
    would save each write."""
    from cms_dav.store import fts

    feeds = dict(fts._FEEDS)
    feeds["contact_values"] = feeds["contact_values"].replace(
        "WHERE item_id IN", "WHERE prop != 'note' AND item_id IN")
    return _swap(fts, "_FEEDS", feeds)


#: rowids of the values' rows in the terms' trigram table under
#: :func:`_one_trigram_table`: above any term row's id, so the two never meet
VALUE_ROWID_SHIFT = 1 << 40


def _one_trigram_table() -> Callable[[], None]:
    """The values' rows fed into the terms' trigram table (rowid shifted by
    :data:`VALUE_ROWID_SHIFT`) instead of their own: the same trigram tokens, one FTS5
    table to write and flush at COMMIT instead of two (lever 2 of round ten, "one
    trigram table": what the table count alone costs a write)."""
    from cms_dav.store import fts

    feeds = dict(fts._FEEDS)
    feeds["contact_values"] = (
        f"INSERT INTO contact_terms_trgm(rowid, term) SELECT id + {VALUE_ROWID_SHIFT}, "
        "value FROM contact_values WHERE item_id IN ({marks})")
    return _swap(fts, "_FEEDS", feeds)


def _one_trigram_row_per_card() -> Callable[[], None]:
    """One trigram row per card instead of one per value and term: the card's values
    and terms joined by newlines, fed into the terms' trigram table under the item id
    (shifted by :data:`VALUE_ROWID_SHIFT`) when its values are fed, the terms' own feed
    left out. The same trigrams plus a few across the joins, but each card's postings
    once (a bench card: ~400 distinct trigrams against ~680 postings of its ~43 rows)
    and one row: what a per-card trigram document could save a write at most."""
    from cms_dav.store import fts

    feeds = dict(fts._FEEDS)
    feeds["contact_terms"] = ("SELECT 1 FROM contact_terms WHERE 0 AND item_id IN ({marks})")
    feeds["contact_values"] = (
        f"INSERT INTO contact_terms_trgm(rowid, term) SELECT v.item_id + {VALUE_ROWID_SHIFT}, "
        "group_concat(v.value, char(10)) || char(10) || coalesce((SELECT "
        "group_concat(t.term, char(10)) FROM contact_terms t WHERE t.item_id = v.item_id), "
        "'') FROM contact_values v WHERE v.item_id IN ({marks}) GROUP BY v.item_id")
    return _swap(fts, "_FEEDS", feeds)


def _checkpoints_off_thread() -> Callable[[], None]:
    """As ``cms-dav serve``: SQLite's checkpoints in a thread of their own, not inside
    the COMMIT that fills the WAL past 1,000 pages (every ~10th PUT here otherwise)."""
    import functools

    import cms_dav.app

    return _swap(cms_dav.app, "build_app", functools.partial(
        cms_dav.app.build_app, background_checkpoints=True))


#: the database :func:`alternate` runs on (for the variants that change FTS5's settings)
_DATABASE: list[Path] = []


def _on_trigram_tables(sql: str, rows: Sequence[tuple[object, ...]] = ((),)) -> None:
    """Run ``sql`` (``{fts}``: the table's name) with each of ``rows`` on each trigram
    table of :data:`_DATABASE`, on a connection of its own (FTS5's special INSERTs)."""
    import sqlite3

    from cms_dav.store.fts_tables import TRIGRAM_TABLES

    connection = sqlite3.connect(_DATABASE[0], isolation_level=None)
    try:
        for fts, _column in TRIGRAM_TABLES.values():
            for row in rows:
                connection.execute(sql.format(fts=fts), row)
    finally:
        connection.close()


def _fts_settings(**values: int) -> Callable[[], None]:
    """Set each trigram table's FTS5 options ``values`` (persistent, in its ``_config``
    table); the undo sets FTS5's defaults back."""
    def put(settings: dict[str, int]) -> None:
        _on_trigram_tables("INSERT INTO {fts}({fts}, rank) VALUES (?, ?)",
                           list(settings.items()))

    put(values)
    return lambda: put({key: FTS5_DEFAULTS[key] for key in values})


#: FTS5's defaults of the options :func:`_fts_settings` changes
FTS5_DEFAULTS = {"automerge": 4, "crisismerge": 16}


def _fts_automerge_off() -> Callable[[], None]:
    """FTS5's ``automerge=0``: a COMMIT writes its new segment but merges none (but the
    crisis merge of 16 segments of one level): what moving the merge work out of the PUT
    (into a background merger) could save it at most."""
    return _fts_settings(automerge=0)


def _fts_merges_off() -> Callable[[], None]:
    """``automerge=0`` and ``crisismerge=64``: no merge at all in 20 PUTs."""
    return _fts_settings(automerge=0, crisismerge=64)


def _fts_optimize() -> None:
    """Both trigram tables merged into one segment each (before each block of the FTS5
    settings' variants, untimed, so each block starts from the same structure and no
    block pays for the segments the other side left)."""
    _on_trigram_tables("INSERT INTO {fts}({fts}) VALUES ('optimize')")


#: name -> (SQL run on the copy before the run, patch made in the run's process;
#: a patch answers its undo)
VARIANTS: dict[str, tuple[tuple[str, ...], Callable[[], Callable[[], None]] | None]] = {
    "as-is": ((), None),
    "checkpoints-off-thread": ((), _checkpoints_off_thread),
    "no-trigram-feeds": ((), _no_trigram_feeds),
    "no-value-rows": ((), _no_value_rows),
    "no-note-value-trigrams": ((), _no_note_value_trigrams),
    "one-trigram-table": ((), _one_trigram_table),
    "one-trigram-row-per-card": ((), _one_trigram_row_per_card),
    "fts-automerge-off": ((), _fts_automerge_off),
    "fts-merges-off": ((), _fts_merges_off),
    "no-field-term-index": (("DROP INDEX ix_contact_terms_field_term",), None),
    "no-values-prop-index": (("DROP INDEX ix_contact_values_prop",), None),
}


#: the variants whose patch acts on each write, so :func:`alternate` can switch them
#: between blocks of PUTs of one app (the others act on the database or the app's build)
SWITCHABLE = ("no-trigram-feeds", "no-value-rows", "no-note-value-trigrams",
              "one-trigram-table", "one-trigram-row-per-card", "fts-automerge-off",
              "fts-merges-off")
#: the variants whose blocks (both sides) each start from optimized trigram tables
BEFORE_BLOCK = {"fts-automerge-off": _fts_optimize, "fts-merges-off": _fts_optimize}


def order(names: list[str], rounds: int) -> list[str]:
    """The runs: ``names`` forwards, then backwards, ``rounds`` times (A B, B A, ...)."""
    return [name for i in range(rounds) for name in (names if i % 2 == 0 else names[::-1])]


def prepare(folder: Path, name: str) -> None:
    """Run the variant's SQL on the copy ``folder`` (a checkpointed database)."""
    import sqlite3

    statements = VARIANTS[name][0]
    connection = sqlite3.connect(folder / "cms-dav.sqlite3", isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def one(folder: Path, name: str, puts: int) -> dict[str, Any]:
    """In this process: the variant's patch, then the measured PUTs."""
    from bench import put_phases

    patch = VARIANTS[name][1]
    if patch is not None:
        patch()  # for the rest of this process
    found = put_phases.measure(folder, puts, None)
    return {"variant": name, "p50_ms": found["p50_ms"], "mean_ms": found["mean_ms"],
            "statuses": found["statuses"]}


def alternate(folder: Path, name: str, blocks: int, block: int = 20) -> dict[str, Any]:
    """In this process, on ``folder`` itself: ``blocks`` blocks of ``block`` new cards
    each, as-is and with variant ``name``'s patch by turns (as-is first in odd pairs,
    the variant first in even ones), after 20 warm-up PUTs; the thread CPU per PUT of
    each side (p50, mean) and in how many block pairs the variant's mean was lower.
    One app and database for both sides: the noise between processes is not in it
    (round six: ±1.5 ms), so small differences show (patch variants only)."""
    import statistics
    import time

    from bench import data, put_phases
    from cms_dav.app import build_app
    from cms_dav.config import load_settings

    patch = VARIANTS[name][1]
    if name not in SWITCHABLE or patch is None:
        raise ValueError(f"{name} cannot be switched within one process")
    _DATABASE[:] = [folder / "cms-dav.sqlite3"]
    before = BEFORE_BLOCK.get(name)
    app = build_app(load_settings(data_dir=folder))
    wsgi = app.wsgi()
    sides: dict[bool, list[float]] = {False: [], True: []}
    lower = 0

    def put(index: int) -> float:
        body = data.make_card(index, 7)
        environ = put_phases._environ(put_phases.BOOK + data.card_href(index), body)
        start = time.thread_time()
        b"".join(wsgi(environ, lambda status, headers, exc_info=None: None))
        return time.thread_time() - start

    try:
        for index in range(100_000, 100_020):
            put(index)
        index = 200_000
        for pair in range(blocks):
            means = {}
            for patched in ((False, True) if pair % 2 == 0 else (True, False)):
                if before is not None:
                    before()
                undo = patch() if patched else None
                try:
                    samples = [put(index + i) for i in range(block)]
                finally:
                    if undo is not None:
                        undo()
                index += block
                sides[patched] += samples
                means[patched] = statistics.mean(samples)
            lower += means[True] < means[False]
    finally:
        app.close()
    return {"variant": name, "blocks": blocks, "lower_blocks": lower,
            **{f"{'variant' if side else 'as_is'}_{stat}_ms": round(fn(found) * 1e3, 3)
               for side, found in sides.items()
               for stat, fn in (("p50", statistics.median), ("mean", statistics.mean),
                                ("p99", lambda found: sorted(found)[len(found) * 99 // 100]))}}


def run(source: Path, name: str, puts: int, work: Path) -> dict[str, Any]:
    """One run of variant ``name`` on a fresh copy of ``source``, in a new process."""
    folder = work / "data"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    prepare(folder, name)
    load = os.getloadavg()[0]
    answer = subprocess.run([sys.executable, "-m", "bench.put_bounds", str(folder),
                             "--one", name, "--puts", str(puts)], check=True,
                            capture_output=True, text=True, env=dict(os.environ))
    found: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    found["load"] = round(load, 2)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--puts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--variant", action="append", choices=list(VARIANTS),
                        help="the variants to run (default: all)")
    parser.add_argument("--alternate", type=int, default=0, metavar="BLOCKS",
                        help="one process on a copy of DATA_DIR per variant: BLOCKS block "
                             "pairs of 20 PUTs, as-is and the variant by turns")
    parser.add_argument("--one", choices=list(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.alternate:
        with tempfile.TemporaryDirectory(prefix="put-bounds-") as work:
            for name in args.variant or SWITCHABLE:
                folder = Path(work) / "data"
                shutil.rmtree(folder, ignore_errors=True)
                shutil.copytree(args.data_dir, folder)
                prepare(folder, name)
                load = os.getloadavg()[0]
                print(json.dumps({**alternate(folder, name, args.alternate),
                                  "load": round(load, 2)}), flush=True)
        return 0
    if args.one:
        print(json.dumps(one(args.data_dir, args.one, args.puts)))
        return 0
    with tempfile.TemporaryDirectory(prefix="put-bounds-") as work:
        for name in order(args.variant or list(VARIANTS), args.rounds):
            found = run(args.data_dir, name, args.puts, Path(work))
            print(f"{name:24} p50 {found['p50_ms']:6.2f} ms  mean {found['mean_ms']:6.2f} ms"
                  f"  load {found['load']:.2f}  {found['statuses']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
