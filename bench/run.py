"""Benchmark cms_dav against stock Radicale 3.9, side by side, in one run.

    python -m bench --sizes 1000,10000 [--quick] [--postgres URL]
    python -m bench --combine RESULT.json [RESULT.json ...] [--out DIR]

For every size: start fresh servers on free loopback ports, send both the same
generated cards and events over HTTP, measure every operation interleaved and
repeated, then write ``bench/results/<size>-<timestamp>.md|json`` and ``latest.md``.
``--combine`` runs nothing: it rebuilds ``latest.md|json`` from per-size JSON files
of separate runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

if __package__ in (None, ""):  # run as a script: python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data, operations as ops, postgres, report  # noqa: E402
from bench.measure import Outcome, measure, median, percentile, timed  # noqa: E402
from bench.rows import Row  # noqa: E402
from bench.servers import (IDLE_SHARE, IDLE_WINDOW, CmsDavServer, MemoryServer,  # noqa: E402
                           RadicaleServer, Server, ServerUnavailable, remove_tree)

RESULTS = Path(__file__).resolve().parent / "results"
SKIPPED = "skipped (--fill {fill})"
NOT_SELECTED = "not run (--only)"
BULK_PUTS = ("bulk_put_1", "bulk_put_4", "bulk_put_4_w2")


@dataclass(frozen=True)
class Op:
    key: str
    label: str
    run: Callable[..., list[float]]
    #: samples are single requests: report p50 and p95 instead of the median
    latency: bool = False
    cms_only: bool = False
    #: fills a whole address book per repeat: --quick runs it once
    heavy: bool = False

    @property
    def warmed(self) -> bool:
        """A whole-collection request: ``--warmups`` untimed rounds go first (a first
        request after the fill measured the server's cold caches, one sample in three)."""
        return not (self.latency or self.heavy or self.cms_only)


OPERATIONS = [
    Op("bulk_put_1", "bulk PUT of all cards, 1 client", ops.bulk_put(1), heavy=True),
    Op("bulk_put_4", "bulk PUT of all cards, 4 clients", ops.bulk_put(4), heavy=True),
    Op("bulk_put_4_w2", "bulk PUT of all cards, 4 clients, serve --workers 2",
       ops.bulk_put_workers(4, 2), heavy=True),
    Op("propfind_d1", "PROPFIND Depth 1 (getetag)", ops.propfind_depth1),
    Op("sync_initial", "initial sync-collection", ops.sync_initial),
    Op("sync_incremental", "incremental sync-collection after 10 changes", ops.sync_incremental),
    Op("sync_unchanged", "unchanged sync-collection", ops.sync_unchanged),
    Op("multiget_100", "addressbook-multiget of 100", ops.multiget(100)),
    Op("multiget_all", "addressbook-multiget of all", ops.multiget(None)),
    Op("query_fn", "addressbook-query FN contains", ops.card_query("FN", "contains")),
    Op("query_email", "addressbook-query EMAIL equals", ops.card_query("EMAIL", "equals")),
    Op("substring_fn", "FN contains a substring (ETags only)", ops.substring_query("FN")),
    Op("substring_n", "N contains a substring (ETags only)", ops.substring_query("N")),
    Op("substring_org", "ORG contains a substring (ETags only)", ops.substring_query("ORG")),
    Op("substring_email", "EMAIL contains a substring (ETags only)",
       ops.substring_query("EMAIL")),
    Op("calendar_month", "calendar-query for one month (size/10 events)", ops.calendar_month),
    Op("calendar_rec_month", "calendar-query one month (size events, a third recurring)",
       ops.recurring_query("month")),
    Op("calendar_rec_week", "calendar-query one week (size events, a third recurring)",
       ops.recurring_query("week")),
    Op("get", "GET one card", ops.get_latency, latency=True),
    Op("put", "PUT a new card into the full book", ops.put_latency, latency=True),
    Op("cli_import", "`cms-dav import` of a CSV (size rows)", ops.cli_import, cms_only=True,
       heavy=True),
    Op("cli_search", "`cms-dav search`", ops.cli_search, cms_only=True),
]


#: the operations that read the recurring calendar (filled with the untimed fill)
RECURRING_QUERIES = {"calendar_rec_month", "calendar_rec_week"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _rows_for(op: Op, outcomes: dict[str, Outcome]) -> list[Row]:
    if op.latency:
        rows = [Row(f"{op.key}_p50", f"{op.label}: p50", "s"),
                Row(f"{op.key}_p95", f"{op.label}: p95", "s")]
        reducers = [lambda s: percentile(s, 0.50), lambda s: percentile(s, 0.95)]
    else:
        rows, reducers = [Row(op.key, op.label, "s")], [median]
    for row, reduce in zip(rows, reducers, strict=True):
        for server, outcome in outcomes.items():
            row.values[server] = reduce(outcome.samples)
            row.samples[server] = [round(s, 6) for s in outcome.samples]
            if outcome.warmup:
                row.warmup[server] = [round(s, 6) for s in outcome.warmup]
            row.reference_cpu[server] = [round(c, 3) for c in outcome.reference_cpu]
            row.busy_before[server] = list(outcome.busy_before)
            row.cpu[server] = [round(c, 6) for c in outcome.cpu]
            row.runq_wait[server] = [round(c, 6) for c in outcome.runq_wait]
            notes = list(outcome.notes)
            if outcome.unavailable:
                notes.insert(0, outcome.unavailable)
            if op.latency and outcome.samples:
                notes.append(f"{len(outcome.samples)} samples")
            if outcome.capped and not outcome.samples:
                row.at_least[server] = outcome.capped_elapsed
                notes.insert(0, "capped")
            if notes and (outcome.unavailable or outcome.capped or outcome.notes):
                row.notes[server] = "; ".join(notes)
    return rows


def _skipped_rows(op: Op, states: list[ops.ServerState], why: str) -> list[Row]:
    keys = [f"{op.key}_p50", f"{op.key}_p95"] if op.latency else [op.key]
    labels = [f"{op.label}: p50", f"{op.label}: p95"] if op.latency else [op.label]
    rows = [Row(key, label, "s") for key, label in zip(keys, labels, strict=True)]
    for row in rows:
        for state in states:
            row.values[state.key] = None
            row.notes[state.key] = why
    return rows


def _fill(ctx: ops.Context, states: list[ops.ServerState], how: str,
          recurring: bool = False) -> list[str]:
    """Untimed: every server holds all cards and events before the reads are measured.
    ``how``: "rest" completes what the bulk PUTs left (a capped server's book, the
    calendar); "whole" fills with whole-collection PUTs, "load" in-process
    (:mod:`bench.load_fill`). After a "whole" or "load" fill the servers restart, so
    that the fill does not count towards their peak memory; ``recurring``: the
    recurring calendar of the issue 19 queries is filled before that restart too (it
    was filled by the first query, after it, and its 10,000-event PUT made the peak of
    the 10k run)."""
    notes = ops.fill_load(ctx, states) if how == "load" else []
    untimed = how != "rest"
    for state in states:
        if how == "load":
            state.server.launch()  # fill_load left it stopped
        else:
            note = ops.fill_whole(ctx, state) if untimed else ops.fill_rest(ctx, state)
            if note:
                notes.append(f"{state.server.label}: {note}")
        if untimed and recurring:
            ops.fill_recurring(ctx, state)
        if untimed and (how != "load" or recurring):
            state.client.close()
            state.server.restart()
    if untimed and states:
        notes.append("servers restarted after the untimed fill: peak memory covers the "
                     "measured operations only")
    for state in states if untimed else []:
        # work a server does on its own after the fill (cms_dav: WAL checkpoints) is
        # not the measured operations'
        start = time.monotonic()
        share = state.server.wait_idle()
        waited = time.monotonic() - start
        if waited > 2 * IDLE_WINDOW or share >= IDLE_SHARE:
            notes.append(f"{state.server.label}: busy for {waited:.0f} s after the restart "
                         f"(waited until idle before measuring; last CPU share {share:.0%})")
    return notes


def _floor_row(ctx: ops.Context, states: list[ops.ServerState], python: str) -> Row:
    """The same bytes as cms_dav's multiget-of-all response, served from memory."""
    row = Row("multiget_floor", "  … the same bytes served from memory (floor)", "s")
    body = next((s.multiget_all_body for s in states if s.multiget_all_body), b"")
    if not body:
        return row
    server = MemoryServer(ctx.workdir, python, body)
    server.start()
    try:
        client = server.client(timeout=600)
        samples = [timed(lambda: client.request("GET", "/"))[0] for _ in range(ctx.repeats)]
        client.close()
    finally:
        server.stop()
    for state in states:
        if isinstance(state.server, CmsDavServer):
            row.values[state.key] = median(samples)
            row.samples[state.key] = samples
    return row


def _start_servers(ctx: ops.Context, python: str, pg_url: str,
                   failed: dict[str, tuple[str, str]], max_body_bytes: int) -> list[Server]:
    candidates: list[Server] = [RadicaleServer(ctx.workdir, python),
                                CmsDavServer(ctx.workdir, python, "", max_body_bytes)]
    if pg_url:
        candidates.append(CmsDavServer(ctx.workdir, python, pg_url, max_body_bytes))
    started = []
    for server in candidates:
        try:
            server.start()
            started.append(server)
            log(f"  {server.label} on port {server.port}")
        except ServerUnavailable as exc:
            failed[server.key] = (server.label, f"n/a ({exc})")
            log(f"  {server.label}: {exc}")
    return started


def run_size(size: int, args: argparse.Namespace, command: str) -> report.SizeResult:
    workdir = Path(tempfile.mkdtemp(prefix=f"cms-dav-bench-{size}-", dir=args.workdir))
    ctx = ops.Context(size=size, seed=args.seed, repeats=args.repeats,
                      latency_samples=args.samples, cap=args.cap, workdir=workdir)
    pg_url = postgres.create_schema(args.postgres) if args.postgres else ""
    failed: dict[str, tuple[str, str]] = {}
    log(f"size {size:,}: starting servers in {workdir}")
    whole = args.fill != "put"
    # the untimed fill when the bulk PUTs do not run: as asked, or whole-collection PUTs
    untimed = "whole" if args.fill == "put" else args.fill
    # a whole-collection PUT of the size's cards (~650 bytes each) must fit in one request
    servers = _start_servers(ctx, args.python, pg_url, failed,
                             max(10_000_000, 4_000 * size) if whole else 0)
    states = [ops.ServerState(s, s.client(timeout=args.cap if s.capped else 3600))
              for s in servers]
    ctx.cards = [data.make_card(i, args.seed) for i in range(size)]
    result = report.SizeResult(
        size=size, timestamp=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        servers={s.key: s.label for s in servers} | {k: v[0] for k, v in failed.items()},
        settings={"repeats": args.repeats, "quick": args.quick,
                  "untimed warm-ups per whole-collection operation": args.warmups,
                  "time cap (s)": args.cap,
                  "latency samples per repeat": args.samples, "seed": args.seed,
                  "events": ctx.events, "fill": args.fill},
        machine={"cpus": os.cpu_count(), "python": platform.python_version(),
                 "load average at start": " ".join(f"{x:.1f}" for x in os.getloadavg())},
        command=command)
    recurring = not args.only or bool(RECURRING_QUERIES & set(args.only))
    try:
        for op in OPERATIONS:
            if args.only and op.key not in args.only and not (whole and op.key in BULK_PUTS):
                result.rows += _skipped_rows(op, states, NOT_SELECTED)
                log(f"  {op.label}: {NOT_SELECTED}")
                if op.key == "bulk_put_4":  # the later operations still need the data
                    result.notes += _fill(ctx, states, untimed if "bulk_put_1" not in
                                          args.only else "rest", recurring=recurring)
                continue
            if whole and op.key in BULK_PUTS:
                result.rows += _skipped_rows(op, states, SKIPPED.format(fill=args.fill))
                log(f"  {op.label}: {SKIPPED.format(fill=args.fill)}")
                if op.key == "bulk_put_4":
                    log(f"  filling every server, untimed (--fill {args.fill})")
                    result.notes += _fill(ctx, states, args.fill, recurring=recurring)
                continue
            outcomes = measure(
                states, lambda state, r, budget, op=op: op.run(ctx, state, r, budget),
                1 if op.heavy and args.quick else args.repeats, args.cap,
                applies=lambda state, op=op: ("n/a (cms_dav command)" if op.cms_only and
                                              not isinstance(state.server, CmsDavServer) else ""),
                warmups=args.warmups if op.warmed else 0)
            rows = _rows_for(op, outcomes)
            result.rows += rows
            log(f"  {op.label}: " + ", ".join(
                f"{k}={report.fmt_value(v, 's')} {rows[-1].notes.get(k, '')}".rstrip()
                for k, v in rows[-1].values.items()))
            if op.key == "bulk_put_4":
                result.notes += _fill(ctx, states, untimed if args.only and "bulk_put_1"
                                      not in args.only else "rest", recurring=recurring)
            if op.key == "multiget_all":
                result.rows.append(_floor_row(ctx, states, args.python))
        memory = Row("peak_memory", "server peak memory (VmHWM)", "bytes")
        disk = Row("disk", "data size on disk (without the WAL)", "bytes")
        wal = Row("disk_wal", "  … SQLite write-ahead log (-wal, -shm)", "bytes")
        for state in states:
            memory.values[state.key] = float(state.server.peak_memory_bytes())
            disk.values[state.key] = float(state.server.data_bytes())
            if isinstance(state.server, CmsDavServer) and not state.server.database_url:
                wal.values[state.key] = float(state.server.wal_bytes())
        result.rows += [memory, disk, wal]
        for state in states:
            for note in dict.fromkeys(state.notes):
                result.notes.append(f"{state.server.label}: {note}")
    finally:
        for state in states:
            state.client.close()
            state.server.stop()
        if pg_url:
            postgres.drop_schema(pg_url)
        if not args.keep:
            remove_tree(workdir)
    for key, (_label, reason) in failed.items():
        for row in result.rows:
            row.values[key] = None
            row.notes[key] = reason
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--sizes", default="1000,10000",
                      help="comma-separated contact counts (default 1000,10000; 1k/10k/100k)")
    what.add_argument("--combine", nargs="+", type=Path, metavar="FILE.json",
                      help="run nothing: rebuild latest.md/latest.json in --out from these "
                           "per-size result files (<size>-<timestamp>.json) of earlier runs")
    parser.add_argument("--quick", action="store_true",
                        help="bulk PUTs once, 20 latency samples, a 30 s time cap")
    parser.add_argument("--repeats", type=int, default=3, help="repeats per operation (≥3)")
    parser.add_argument("--warmups", type=int, default=1,
                        help="untimed rounds of every whole-collection operation before "
                             "its repeats, interleaved on every server (default 1; 0: the "
                             "first repeat meets the caches cold, as before round nine)")
    parser.add_argument("--cap", type=float, default=None,
                        help="time cap per operation for stock Radicale, seconds (default 120)")
    parser.add_argument("--samples", type=int, default=None,
                        help="GET/PUT latency samples per repeat (default 50)")
    parser.add_argument("--postgres", metavar="URL", default="",
                        help="also run cms_dav on PostgreSQL (fresh schema, dropped afterwards)")
    parser.add_argument("--fill", choices=("put", "whole", "load"), default="put",
                        help="put: time the bulk PUTs, which fill the servers (default); "
                             "whole: skip them and fill each server untimed with one "
                             "whole-collection PUT (for 100k, where single PUTs take an hour); "
                             "load: skip them and fill each stopped server's storage "
                             "in-process with what single PUTs store (bench.load_fill; "
                             "minutes at 100k)")
    parser.add_argument("--only", type=lambda text: set(text.split(",")), default=set(),
                        metavar="KEYS", help="run only these operations (comma-separated "
                        "keys of OPERATIONS, e.g. get,put,substring_n); the others show "
                        "'not run (--only)'; without the bulk PUTs the servers are filled "
                        "untimed as with --fill whole")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--workdir", default=None, help="where the temporary data dirs go")
    parser.add_argument("--keep", action="store_true", help="keep the servers' data dirs")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter that runs radicale and cms_dav")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("k", "000").replace("_", "")) for s in args.sizes.split(",")]
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: expected numbers like 1000,10000 or 1k,10k")
    if any(size < 10 for size in args.sizes):
        parser.error("--sizes: every size must be at least 10 contacts")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.warmups < 0:
        parser.error("--warmups must be 0 or more")
    unknown = args.only - {op.key for op in OPERATIONS}
    if unknown:
        parser.error(f"--only: unknown operation(s) {', '.join(sorted(unknown))}")
    args.cap = args.cap if args.cap is not None else (30.0 if args.quick else 120.0)
    args.samples = args.samples if args.samples is not None else (20 if args.quick else 50)
    return args


def load_results(paths: list[Path]) -> list[report.SizeResult]:
    """The per-size results in ``paths``, sorted by size; one file per size."""
    results: dict[int, tuple[Path, report.SizeResult]] = {}
    for path in paths:
        try:
            result = report.SizeResult.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"--combine {path}: not a per-size result file "
                             f"({type(exc).__name__}: {exc})") from exc
        if result.size in results:
            raise SystemExit(f"--combine: {results[result.size][0]} and {path} are both "
                             f"{result.size:,} contacts")
        results[result.size] = (path, result)
    return [results[size][1] for size in sorted(results)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    if args.combine:
        written = report.write(load_results(args.combine), args.out, command, per_size=False)
    else:
        results = [run_size(size, args, command) for size in args.sizes]
        written = report.write(results, args.out, command)
    for path in written:
        log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
