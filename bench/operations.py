"""The measured operations. Each takes (context, server state, repeat, budget) and
returns the timed samples in seconds; setup work (e.g. the 10 changes before an
incremental sync) is done outside the timed part."""

from __future__ import annotations

import random
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable

from bench import data
from bench.dav import (MKCALENDAR, MKCOL_ADDRESSBOOK, PROPFIND_GETETAG, DavClient, HttpError,
                       addressbook_multiget, addressbook_query, calendar_query, sync_collection)
from bench.measure import Budget, Capped, NotAvailable, now, timed
from bench.servers import USER, CmsDavServer, Server, remove_tree

VCARD = "text/vcard"
ICAL = "text/calendar"
BOOK = f"/{USER}/bench-contacts/"
CALENDAR = f"/{USER}/bench-calendar/"
SEARCH_TEXT = "Wójcik"


@dataclass
class Context:
    """One benchmark size: the data every server receives and how hard to measure."""

    size: int
    seed: int
    repeats: int
    latency_samples: int
    cap: float
    workdir: Path
    cards: list[bytes] = field(default_factory=list)

    @property
    def events(self) -> int:
        return max(10, self.size // 10)

    def card_paths(self, indices: range | list[int]) -> list[str]:
        return [BOOK + data.card_href(i) for i in indices]


@dataclass
class ServerState:
    server: Server
    client: DavClient
    key: str = ""
    complete: bool = False
    token: str = ""
    revision: int = 0
    multiget_all_body: bytes = b""
    #: the issue 19 recurring calendar is filled
    recurring: bool = False
    commands: dict[str, bool] = field(default_factory=dict)
    #: problems worth reporting that did not spoil a measurement
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = self.server.key


def _make_collection(client: DavClient, path: str, calendar: bool = False) -> None:
    name = path.strip("/").split("/")[-1].encode()
    if calendar:
        client.request("MKCALENDAR", path, MKCALENDAR % name, expect=(201,))
    else:
        client.request("MKCOL", path, MKCOL_ADDRESSBOOK % name, expect=(201,))


def _delete(client: DavClient, path: str) -> None:
    client.request("DELETE", path, expect=(200, 204, 404))


def _put_all(ctx: Context, state: ServerState, path: str, clients: int,
             budget: Budget, bodies: Callable[[int], bytes], hrefs: Callable[[int], str],
             count: int, content_type: str) -> float:
    """PUT ``count`` items one by one with ``clients`` parallel connections."""
    start = now()
    done = [0] * clients
    stop = [False]

    def worker(offset: int) -> None:
        client = state.server.client(timeout=state.client.timeout)
        try:
            for index in range(offset, count, clients):
                if stop[0]:
                    return
                client.put(path + hrefs(index), bodies(index), content_type)
                done[offset] += 1
                if budget.exceeded(now() - start):
                    stop[0] = True
        finally:
            client.close()

    if clients == 1:
        worker(0)
    else:
        with ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(worker, k) for k in range(clients)]:
                future.result()
    elapsed = now() - start
    if sum(done) < count:
        raise Capped(sum(done), count, elapsed)
    return elapsed


def bulk_put(clients: int) -> Callable[[Context, ServerState, int, Budget], list[float]]:
    """Fill an empty address book with all cards; the first 1-client run fills the
    collection every later operation reads, the others go to scratch collections."""

    def run(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
        main = clients == 1 and repeat == 0
        path = BOOK if main else f"/{USER}/bulk{clients}-r{repeat}/"
        _make_collection(state.client, path)
        try:
            elapsed = _put_all(ctx, state, path, clients, budget, ctx.cards.__getitem__,
                               data.card_href, ctx.size, VCARD)
        finally:
            if not main:
                try:
                    _delete(state.client, path)
                except HttpError as exc:  # a server bug, but the timing above stands
                    state.notes.append(f"deleting a scratch collection failed: {exc}"[:300])
        state.complete = state.complete or main
        return [elapsed]
    return run


def bulk_put_workers(clients: int, workers: int
                     ) -> Callable[[Context, ServerState, int, Budget], list[float]]:
    """Issue 19's bulk PUT "with --workers N where production serving exists": a second
    cms_dav, set up the same way in a data folder of its own and served with
    ``serve --workers N``, gets all cards from ``clients`` clients into an empty address
    book; then it is stopped and its folder removed. The server under test keeps its
    data untouched (a scratch book in its trash would count in its disk size) and its
    peak memory. Stock Radicale has no workers; on PostgreSQL a second server would
    share the database, so the row is SQLite's."""

    def run(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
        server = state.server
        if not isinstance(server, CmsDavServer):
            raise NotAvailable(f"n/a (stock Radicale has no --workers {workers})")
        if server.database_url:
            raise NotAvailable("n/a (measured on SQLite: a second server would share "
                               "this database)")
        folder = Path(tempfile.mkdtemp(prefix=f"workers{workers}-r{repeat}-",
                                       dir=ctx.workdir))
        scratch = CmsDavServer(folder, server.python, "", server.max_body_bytes)
        scratch.workers = workers
        try:
            scratch.start()
            fresh = ServerState(scratch, scratch.client(timeout=state.client.timeout))
            path = f"/{USER}/bulk{clients}-w{workers}/"
            _make_collection(fresh.client, path)
            elapsed = _put_all(ctx, fresh, path, clients, budget, ctx.cards.__getitem__,
                               data.card_href, ctx.size, VCARD)
            fresh.client.close()
        finally:
            scratch.stop()
            remove_tree(folder)
        return [elapsed]
    return run


FILL_TIMEOUT = 3600.0


def fill_rest(ctx: Context, state: ServerState,
              how: str = "completed with one whole-collection PUT after the cap") -> str:
    """Untimed: make sure the main address book and the calendar hold all the data
    (a capped server gets it in one whole-collection PUT, which stock Radicale accepts).
    The fill gets its own client: a capped server's client gives up after the cap."""
    notes = []
    client = state.server.client(timeout=FILL_TIMEOUT)
    try:
        if not state.complete:
            client.put(BOOK, b"".join(ctx.cards), VCARD)
            notes.append(f"address book {how}")
            state.complete = True
        _make_collection(client, CALENDAR, calendar=True)
        try:
            _put_all(ctx, state, CALENDAR, 4, Budget(ctx.cap if state.server.capped else None),
                     lambda i: data.make_event(i, ctx.seed), data.event_href, ctx.events, ICAL)
        except Capped:
            client.put(CALENDAR, data.whole_collection(data.make_event, ctx.events, ctx.seed),
                       ICAL)
            notes.append("calendar filled with one whole-collection PUT")
    finally:
        client.close()
    return "; ".join(notes)


def fill_whole(ctx: Context, state: ServerState) -> str:
    """Untimed, instead of the bulk PUTs (``--fill whole``): one whole-collection PUT
    fills the address book, so large sizes do not spend an hour on single PUTs."""
    _make_collection(state.client, BOOK)
    return fill_rest(ctx, state, how="filled with one whole-collection PUT (--fill whole)")


def fill_load(ctx: Context, states: list[ServerState]) -> list[str]:
    """Untimed, instead of the bulk PUTs (``--fill load``): the address book and the
    calendar are made over HTTP (the server's own properties), then the servers stop
    and :mod:`bench.load_fill` writes every card and event into each one's storage
    in-process (what single PUTs would store, minutes instead of an hour at 100k), all
    servers at once; the caller starts them again."""
    for state in states:
        _make_collection(state.client, BOOK)
        _make_collection(state.client, CALENDAR, calendar=True)
        state.client.close()
        state.server.stop()
    start = now()
    loading = [(state, state.server.start_load(ctx.size, ctx.events, ctx.seed))
               for state in states]
    for state, proc in loading:
        state.server.finish_load(proc)
        state.complete = True
    return [f"{state.server.label}: address book and calendar loaded in-process, untimed "
            f"(--fill load, all servers in {now() - start:.0f} s)" for state in states]


def _expect_count(response: Any, expected: int, what: str) -> None:
    found = response.response_count
    if found < expected:
        raise HttpError(f"{what}: {found} responses, expected at least {expected}")


def propfind_depth1(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    elapsed, response = timed(lambda: state.client.propfind(BOOK, PROPFIND_GETETAG, "1"))
    _expect_count(response, ctx.size, "PROPFIND Depth 1")
    return [elapsed]


def sync_initial(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    elapsed, response = timed(lambda: state.client.report(BOOK, sync_collection("")))
    _expect_count(response, ctx.size, "initial sync-collection")
    state.token = response.sync_token
    return [elapsed]


def _current_token(state: ServerState) -> str:
    if not state.token:
        state.token = state.client.report(BOOK, sync_collection("")).sync_token
    return state.token


def sync_unchanged(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    token = _current_token(state)
    elapsed, response = timed(lambda: state.client.report(BOOK, sync_collection(token)))
    state.token = response.sync_token
    return [elapsed]


def sync_incremental(ctx: Context, state: ServerState, repeat: int,
                     budget: Budget) -> list[float]:
    token = _current_token(state)
    state.revision += 1
    stride = max(1, ctx.size // 10)
    changed = [(repeat * 10 + k * stride) % ctx.size for k in range(10)]
    for index in changed:
        state.client.put(BOOK + data.card_href(index),
                         data.make_card(index, ctx.seed, state.revision), VCARD)
    elapsed, response = timed(lambda: state.client.report(BOOK, sync_collection(token)))
    _expect_count(response, len(set(changed)), "incremental sync-collection")
    state.token = response.sync_token
    return [elapsed]


def multiget(count: int | None) -> Callable[[Context, ServerState, int, Budget], list[float]]:
    def run(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
        indices = list(range(ctx.size))
        if count is not None and count < ctx.size:
            indices = sorted(random.Random(f"{ctx.seed}:multiget").sample(indices, count))
        body = addressbook_multiget(ctx.card_paths(indices))
        elapsed, response = timed(lambda: state.client.report(BOOK, body))
        _expect_count(response, len(indices), "addressbook-multiget")
        if count is None and isinstance(state.server, CmsDavServer):
            state.multiget_all_body = response.body
        return [elapsed]
    return run


def card_query(prop: str, match_type: str) -> Callable[[Context, ServerState, int, Budget],
                                                        list[float]]:
    def run(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
        text = (data.fn_query_text(ctx.size, ctx.seed) if prop == "FN"
                else data.card_email(ctx.size // 2, ctx.seed))
        body = addressbook_query(prop, text, match_type)
        elapsed, response = timed(lambda: state.client.report(BOOK, body))
        _expect_count(response, 1, f"addressbook-query {prop} {match_type}")
        return [elapsed]
    return run


def substring_query(prop: str) -> Callable[[Context, ServerState, int, Budget], list[float]]:
    """Issue 19: ``PROP contains`` a substring a few cards hold, ETags only."""
    def run(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
        body = addressbook_query(prop, data.substring_query_text(prop, ctx.size, ctx.seed),
                                 "contains", with_data=False)
        elapsed, response = timed(lambda: state.client.report(BOOK, body))
        _expect_count(response, 1, f"addressbook-query {prop} contains")
        return [elapsed]
    return run


def calendar_month(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    body = calendar_query("20260301T000000Z", "20260401T000000Z")
    elapsed, response = timed(lambda: state.client.report(CALENDAR, body))
    _expect_count(response, 1, "calendar-query")
    return [elapsed]


RECURRING = f"/{USER}/bench-recurring/"
#: issue 19: the windows of the recurring-calendar queries (the data spans 2025-2027)
WINDOWS = {"month": ("20260301T000000Z", "20260401T000000Z"),
           "week": ("20260309T000000Z", "20260316T000000Z")}


def fill_recurring(ctx: Context, state: ServerState) -> None:
    """Untimed, once per server: a calendar of ``size`` events, a third recurring
    (:func:`bench.data.make_recurring_event`), in one whole-collection PUT."""
    client = state.server.client(timeout=FILL_TIMEOUT)
    try:
        _make_collection(client, RECURRING, calendar=True)
        client.put(RECURRING, data.whole_collection(data.make_recurring_event, ctx.size,
                                                    ctx.seed), ICAL)
    finally:
        client.close()
    state.recurring = True


def recurring_query(window: str) -> Callable[[Context, ServerState, int, Budget], list[float]]:
    """Issue 19: calendar-query time-range of one month or week (ETags only) on a
    calendar of ``size`` events; the count answered is kept in the notes, so the
    servers' answers can be compared."""
    start, end = WINDOWS[window]

    def run(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
        if not state.recurring:
            fill_recurring(ctx, state)
        body = calendar_query(start, end)
        elapsed, response = timed(lambda: state.client.report(RECURRING, body))
        _expect_count(response, 1, f"calendar-query {window}")
        state.notes.append(f"calendar-query one {window} of {ctx.size:,} events: "
                           f"{response.response_count} objects")
        return [elapsed]
    return run


def get_latency(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    rng = random.Random(f"{ctx.seed}:get:{repeat}")
    samples: list[float] = []
    start = now()
    for _ in range(ctx.latency_samples):
        path = BOOK + data.card_href(rng.randrange(ctx.size))
        samples.append(timed(partial(state.client.request, "GET", path, expect=(200,)))[0])
        if budget.exceeded(now() - start):
            break
    return samples


def put_latency(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    """PUT of a new card into the full address book (the UID check is the slow part)."""
    samples: list[float] = []
    start = now()
    first = ctx.size + 1_000_000 + repeat * ctx.latency_samples
    for index in range(first, first + ctx.latency_samples):
        body = data.make_card(index, ctx.seed)
        path = BOOK + data.card_href(index)
        samples.append(timed(partial(state.client.put, path, body, VCARD))[0])
        if budget.exceeded(now() - start):
            break
    return samples


def _cms_command(state: ServerState, name: str) -> CmsDavServer:
    server = state.server
    if not isinstance(server, CmsDavServer):
        raise NotAvailable("n/a (cms_dav command)")
    if name not in state.commands:
        state.commands[name] = server.has_command(name)
    if not state.commands[name]:
        raise NotAvailable(f"n/a (`cms-dav {name}` does not exist yet)")
    return server


def _run_cli(server: CmsDavServer, args: list[str], timeout: float) -> float:
    elapsed, done = timed(lambda: server.run_cli(args, timeout=timeout))
    if done.returncode != 0:
        message = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise NotAvailable(f"n/a (`cms-dav {args[0]}` failed: {message[-1] if message else '?'})")
    return elapsed


def cli_import(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    """``cms-dav import`` of a CSV with as many rows as the size, into a new book."""
    server = _cms_command(state, "import")
    csv_file = ctx.workdir / f"import-{ctx.size}.csv"
    if not csv_file.exists():
        csv_file.write_bytes(data.import_csv(ctx.size, ctx.seed))
    target = f"/{USER}/imported-r{repeat}/"
    _make_collection(state.client, target)
    return [_run_cli(server, ["import", str(csv_file), "--into", target, "--user", USER],
                     timeout=3600)]


def cli_search(ctx: Context, state: ServerState, repeat: int, budget: Budget) -> list[float]:
    server = _cms_command(state, "search")
    return [_run_cli(server, ["search", SEARCH_TEXT, "--user", USER, "--json"], timeout=600)]
