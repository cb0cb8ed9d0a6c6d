"""Issue 19: where one PUT's CPU goes, phase by phase, through the whole WSGI app.

    python -m bench.put_phases --fill 10000 DIR        # once: user, book, cards
    python -m bench.put_phases DIR --puts 200 [--json] # on a copy of DIR: it writes

``--fill``: a data dir with the bench user (bcrypt cost 4, as a client logs in: Basic
auth answered by the login cache after the first request) and ``bench/bench-contacts``
holding N bench cards written by ``Store.put_items`` (:mod:`bench.load_fill`). Then 20
warm-up and ``--puts`` new bench cards (``data.make_card``) are PUT one by one through
``App.wsgi()`` (every cms_dav layer, Radicale, the plugins, the store). Each function
named in :data:`PHASES` is wrapped with a ``time.thread_time`` timer that keeps its
*exclusive* time (its own, minus its timed callees'), so the phases add up to the whole
request; generator functions and context managers are timed step by step. SQL statements
are counted per innermost phase (``sqlite3`` trace callback on each pooled connection),
``BEGIN DEFERRED`` / ``BEGIN IMMEDIATE`` as read / write transactions. ``--no-timers``:
only the whole PUT's CPU (p50, mean), for base/branch pairs without the timers' cost
(about 0.3 ms a PUT). Run a tree with ``PYTHONPATH=TREE:TREE/plugins`` from outside it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import importlib
import inspect
import io
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterator

if __package__ in (None, ""):  # run as a script
    sys.path.append(str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"
BOOK = "/bench/bench-contacts/"

# (group, module:qualname of each function timed in it), in the order a PUT meets them
PHASES: list[tuple[str, list[str]]] = [
    ("cms_dav WSGI layers (their own code)", [
        f"cms_dav.wsgi.{module}:{name}.__call__" for module, name in (
            ("request_scope", "RequestScopeMiddleware"), ("request_log", "RequestLogMiddleware"),
            ("metrics", "MetricsMiddleware"), ("health", "HealthMiddleware"),
            ("challenge", "ChallengeMiddleware"), ("response_delay", "ResponseDelayMiddleware"),
            ("xml_guard", "XmlGuardMiddleware"), ("rejections", "RejectionReasonMiddleware"),
            ("upload_etag", "UploadEtagMiddleware"), ("limits", "LimitsMiddleware"),
            ("link_gate", "LinkGateMiddleware"), ("unmount", "UnmountMiddleware"),
            ("schedule_tag", "ScheduleTagMiddleware"), ("fast_get", "FastGetMiddleware"),
            ("generated_calendars", "GeneratedCalendarsMiddleware"),
            ("push_register", "PushRegisterMiddleware"), ("push_props", "PushPropsMiddleware"),
            ("principal_search", "PrincipalSearchMiddleware"),
            ("scheduling", "SchedulingMiddleware"),
            ("calendar_autocreate", "CalendarAutoCreateMiddleware"),
            ("todo_expand", "TodoExpandMiddleware"), ("fast_listing", "FastListingMiddleware"))]
        + ["cms_dav.web.mount:WebMount.__call__", "cms_dav.api.mount:ApiMount.__call__",
           "(request)"]),
    ("Radicale request handling (_handle_request, do_PUT, Access, body)", [
        "radicale.app:Application.__call__", "radicale.app:Application._handle_request",
        "radicale.app:Application.do_PUT", "radicale.app.base:Access.__init__",
        "radicale.httputils:read_request_body"]),
    ("auth + login cache", ["cms_dav_plugins.auth:Auth.login",
                            "cms_dav.auth.authenticator:Authenticator.login"]),
    ("rights (policy)", ["cms_dav_plugins.rights:Rights.authorization",
                         "cms_dav.acl.policy:Policy.authorization",
                         "cms_dav.acl.policy:Policy.generated_kind"]),
    ("share read (Radicale's resolver, the share rows, their read tx)", [
        "radicale.sharing:BaseSharing.sharing_collection_resolver",
        "cms_dav_plugins.sharing:Sharing.database_get_sharing",
        "cms_dav_plugins.sharing:Sharing.database_list_sharing"]),
    ("path lookup before the lock (Store.resolve)", ["cms_dav.store.store:Store.resolve"]),
    ("store read transactions' BEGIN/COMMIT", ["cms_dav.store.store:read_tx"]),
    ("Radicale parse (read_components: vobject)", ["radicale.item:read_components"]),
    ("Radicale sanitize + prepare (upload watch)", [
        "radicale.item:check_and_sanitize_items", "radicale.app.put:prepare"]),
    ("Radicale Item.prepare (vobject serialize: validation)", ["radicale.item:Item.prepare"]),
    ("upload data (what the store keeps)", [
        "cms_dav_plugins.storage:Storage._prepare_put", "cms_dav_plugins.storage:_upload_data",
        "cms_dav.store.store:Store.prepare_put"]),
    ("contact upload filter plan (lint, history review, timeline)", [
        "cms_dav.contacts.upload_filter:ContactUploadFilter.prepare",
        "cms_dav.contacts.upload_filter:lint_card",
        "cms_dav.contacts.upload_filter:review_upload",
        "cms_dav.contacts.upload_filter:refresh_note",
        "cms_dav.contacts.field_upload_filter:FieldValueCheck.prepare"]),
    ("index analysis (analyse, DAV values)", [
        "cms_dav.contacts.index_hook:SearchIndexHook.prepare",
        "cms_dav.contacts.index_store:analyse",
        "cms_dav.contacts.index_store:edited_dav_values",
        "cms_dav.contacts.index_store:dav_values"]),
    ("write lock + confirmation under it", [
        "cms_dav_plugins.storage:Storage.acquire_lock", "cms_dav_plugins.storage:Storage._confirm",
        "cms_dav.store.store:Store.confirm_lookup", "cms_dav.store.store:Store.locked",
        "cms_dav.store.locks:collection_locks", "cms_dav_plugins.storage:Storage._lock_name",
        "cms_dav_plugins.storage:Storage.discover", "cms_dav_plugins.storage:Collection.has_uid",
        "cms_dav_plugins.storage:Collection.upload"]),
    ("Store.put_item: index rows + FTS feeds", ["cms_dav.contacts.index_store:write_many"]),
    ("Store.put_item: BEGIN IMMEDIATE, COMMIT (WAL fsync)", ["cms_dav.store.store:write_tx"]),
    ("Store.put_item: the rest (item row, filters, hooks, audit)", [
        "cms_dav.store.store:Store.put_item", "cms_dav.store.items:put",
        "cms_dav.store.audit:record_many", "cms_dav.store.store:Store._item_changed",
        "cms_dav.contacts.segment_hook:SegmentHook.item_written",
        "cms_dav.contacts.field_index:FieldIndexHook.item_written",
        "cms_dav.contacts.upload_filter:ContactUploadFilter.__call__",
        "cms_dav.contacts.field_upload_filter:FieldValueCheck.__call__"]),
]


class Timers:
    """Exclusive thread CPU, calls and SQL statements by label."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []
        self.seconds: dict[str, float] = defaultdict(float)
        self.sql: dict[str, int] = defaultdict(int)
        self.transactions = {"read": 0, "write": 0}
        self.counting = False
        #: (owner, name, what was there) of each wrapped function, for :meth:`restore`
        self.wrapped: list[tuple[Any, str, Any]] = []

    def restore(self) -> None:
        """Put back every function :meth:`wrap` replaced, last first."""
        while self.wrapped:
            owner, name, original = self.wrapped.pop()
            setattr(owner, name, original)

    def clear(self) -> None:
        self.seconds.clear()
        self.sql.clear()
        self.transactions.update(read=0, write=0)

    def enter(self, label: str) -> None:
        self.stack.append([label, time.thread_time(), 0.0])

    def leave(self) -> None:
        label, start, inner = self.stack.pop()
        spent = time.thread_time() - start
        self.seconds[label] += spent - inner
        if self.stack:
            self.stack[-1][2] += spent

    def statement(self, text: str) -> None:
        if not self.counting:
            return
        self.sql[self.stack[-1][0] if self.stack else "(request)"] += 1
        if text.startswith("BEGIN IMMEDIATE"):
            self.transactions["write"] += 1
        elif text.startswith("BEGIN"):
            self.transactions["read"] += 1

    def timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(function):
            return self._timed_generator(label, function)

        @functools.wraps(function)
        def plain(*args: Any, **kwargs: Any) -> Any:
            self.enter(label)
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()
        return plain

    def _timed_generator(self, label: str, function: Callable[..., Any]
                         ) -> Callable[..., Any]:
        @functools.wraps(function)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            inner = function(*args, **kwargs)
            step: Callable[[], Any] = functools.partial(next, inner)
            while True:
                self.enter(label)
                try:
                    value = step()
                except StopIteration as stop:
                    return stop.value
                finally:
                    self.leave()
                try:
                    sent = yield value
                except GeneratorExit:
                    self.enter(label)
                    try:
                        inner.close()
                    finally:
                        self.leave()
                    raise
                except BaseException as exc:  # noqa: BLE001 - handed on to the timed generator
                    step = functools.partial(inner.throw, exc)
                else:
                    step = functools.partial(inner.send, sent)
        return generator

    def wrap(self, target: str, label: str) -> bool:
        """Time ``module:Owner.name`` as ``label``; False when it is not there."""
        module, _, dotted = target.partition(":")
        try:
            owner: Any = importlib.import_module(module)
        except ImportError:
            return False
        *path, name = dotted.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, name):
            return False
        found = inspect.getattr_static(owner, name)
        if isinstance(found, (staticmethod, classmethod)):
            return False
        self.wrapped.append((owner, name, found))
        inner = getattr(found, "__wrapped__", None)
        if inner is not None and inspect.isgeneratorfunction(inner) \
                and not inspect.isgeneratorfunction(found):  # a @contextmanager
            setattr(owner, name, contextlib.contextmanager(self.timed(label, inner)))
        else:
            setattr(owner, name, self.timed(label, found))
        return True


def _environ(path: str, body: bytes) -> dict[str, Any]:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return {"REQUEST_METHOD": "PUT", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
            "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "text/vcard", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "HTTP_AUTHORIZATION": f"Basic {token}"}


def fill(folder: Path, cards: int) -> None:
    from bench.dav import MKCOL_ADDRESSBOOK
    from bench.load_fill import fill_cms_dav
    from cms_dav.app import build_app
    from cms_dav.auth.htpasswd import HtpasswdFile
    from cms_dav.config import load_settings

    folder.mkdir(parents=True)
    settings = load_settings(data_dir=folder)
    HtpasswdFile(settings.htpasswd_file, rounds=4).add(USER, PASSWORD)
    app = build_app(settings)
    try:
        wsgi = app.wsgi()
        for method, path, body in (("PROPFIND", f"/{USER}/", b""),
                                   ("MKCOL", BOOK, MKCOL_ADDRESSBOOK % b"bench")):
            environ = _environ(path, body) | {"REQUEST_METHOD": method, "HTTP_DEPTH": "0"}
            b"".join(wsgi(environ, lambda status, headers, exc_info=None: None))
    finally:
        app.close()
    fill_cms_dav(str(folder), "", cards, 7, 0, 1)


def measure(folder: Path, puts: int, timers: Timers | None, changed: bool = False
            ) -> dict[str, Any]:
    from sqlalchemy import event

    import cms_dav
    from cms_dav.app import build_app
    from cms_dav.config import load_settings

    app = build_app(load_settings(data_dir=folder))
    labels: dict[str, str] = {}
    if timers is not None:
        for group, targets in PHASES:
            for target in targets:
                if target == "(request)" or timers.wrap(target, target.partition(":")[2]):
                    labels[target.partition(":")[2] or target] = group

        @event.listens_for(app.engine, "checkout")
        def on_checkout(connection: Any, record: Any, proxy: Any) -> None:
            connection.set_trace_callback(timers.statement)
    wsgi = app.wsgi()
    statuses: dict[str, int] = defaultdict(int)

    def put(index: int) -> float:
        answer: list[str] = []
        # ``changed``: the filled card ``index`` again with its NOTE's revision moved on
        body = data.make_card(index, 7, revision=1) if changed else data.make_card(index, 7)
        start = time.thread_time()
        if timers is not None:
            timers.enter("(request)")
        try:
            result = wsgi(_environ(BOOK + data.card_href(index), body),
                          lambda status, headers, exc_info=None: answer.append(status))
            b"".join(result)
        finally:
            if timers is not None:
                timers.leave()
        statuses[answer[0]] += 1
        return time.thread_time() - start

    try:
        warm, first = (0, 20) if changed else (100_000, 200_000)
        for index in range(warm, warm + 20):
            put(index)
        if timers is not None:
            timers.clear()
            timers.counting = True
        samples = [put(index) for index in range(first, first + puts)]
    finally:
        app.close()
        if timers is not None:
            timers.restore()
    found: dict[str, Any] = {"cms_dav": cms_dav.__file__, "statuses": dict(statuses),
                             "p50_ms": statistics.median(samples) * 1e3,
                             "mean_ms": statistics.mean(samples) * 1e3}
    if timers is not None:
        groups: dict[str, list[float]] = {group: [0.0, 0.0] for group, _ in PHASES}
        for label, seconds in timers.seconds.items():
            group = labels.get(label, f"(unassigned) {label}")
            groups.setdefault(group, [0.0, 0.0])[0] += seconds * 1e3 / puts
        for label, count in timers.sql.items():
            group = labels.get(label, f"(unassigned) {label}")
            groups.setdefault(group, [0.0, 0.0])[1] += count / puts
        found.update(phases=groups, read_transactions=timers.transactions["read"] / puts,
                     write_transactions=timers.transactions["write"] / puts,
                     statements=sum(timers.sql.values()) / puts)
    return found


def table(found: dict[str, Any]) -> str:
    rows = ["| phase | ms of thread CPU per PUT (mean) | SQL statements per PUT |",
            "|---|---|---|"]
    rows += [f"| {group} | {ms:.2f} | {sql:.1f} |" for group, (ms, sql) in found["phases"].items()]
    total = sum(ms for ms, _ in found["phases"].values())
    rows += [f"| **sum** (whole PUT, mean) | **{total:.2f}** ({found['mean_ms']:.2f}) | "
             f"{found['statements']:.1f} |",
             f"| p50 whole PUT | {found['p50_ms']:.2f} | |",
             f"| read + write transactions | {found['read_transactions']:.1f} + "
             f"{found['write_transactions']:.1f} | |"]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--fill", type=int, default=None,
                        help="make DATA_DIR with N cards (0: an empty book)")
    parser.add_argument("--puts", type=int, default=200)
    parser.add_argument("--no-timers", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--changed", action="store_true",
                        help="PUT changed versions of the filled cards (NOTE revision 1) "
                             "instead of new cards")
    parser.add_argument("--ordered-names", action="store_true",
                        help="cards named bench-0000001 ... instead of UUIDs (fill and PUTs)")
    args = parser.parse_args(argv)
    if args.ordered_names:
        data.use_ordered_names()
    if args.fill is not None:
        fill(args.data_dir, args.fill)
        return 0
    found = measure(args.data_dir, args.puts, None if args.no_timers else Timers(),
                    args.changed)
    if args.json or args.no_timers:
        print(json.dumps(found))
    else:
        print(table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
