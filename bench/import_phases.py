"""Where a ``cms-dav import``'s CPU goes, phase by phase (issue 19 target 5).

    python -m bench.import_phases [--profile OUT.prof] -- \
        --data-dir D import FILE --into /u/book/ --user u

Runs the command in this process (as ``python -m cms_dav`` does: the collector paused
during start-up) and prints, as JSON on stderr, the main thread's CPU
(``time.thread_time``) and wall time per phase, each phase *exclusive* of the phases
nested in it (a ``settle`` forced by a row that matches a row of the open batch is
counted as ``settle``, not as ``place``):

- ``start-up``: the interpreter's and the command's imports, the settings, the app,
  until the command's function starts;
- ``read_source``: the file decoded and every row turned into a vCard, before the
  first row is imported;
- ``importer reads``: rows the importer read itself (``RowReader.read_many``; how
  many: ``importer reads rows``) while a worker's task was not done, and ``importer
  item_data_as_sent``: merged rows;
- ``wait on workers``: the results of the workers' tasks taken (the wait and the
  hand-over);
- ``place``: the importer's own matching (``_import_one`` without the above);
- ``put_items`` (and its SQL on the driver, ``put_items SQL``), ``commit``;
- ``other``: the rest (the target's items read, the matcher made, the report, the
  workers stopped);
- ``worker start-up``: when the early workers' warm-up tasks were done, seconds after
  the command started (beside ``read_source``, on another core).

Also the whole process's CPU (every thread: the pool's result thread unpickles the
workers' answers), the workers' CPU (``RUSAGE_CHILDREN``, after the pool is stopped) and
the load average. ``--profile OUT.prof`` adds a cProfile of the main thread on
``time.thread_time`` (it inflates small Python functions several times: read the
phases for the split, the profile for what is inside one).
"""

from __future__ import annotations

import cProfile
import functools
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_START_CPU = time.thread_time()
_START_WALL = time.perf_counter()


class Phases:
    """Exclusive CPU and wall time per phase of the main thread."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.rows_read = 0  # rows the importer read itself (``importer reads``)
        self._stack: list[list[float]] = []  # per open phase: time taken by nested ones

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        cpu, wall = time.thread_time(), time.perf_counter()
        self._stack.append([0.0, 0.0])
        try:
            yield
        finally:
            nested_cpu, nested_wall = self._stack.pop()
            spent_cpu, spent_wall = time.thread_time() - cpu, time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + spent_cpu - nested_cpu
            self.wall[name] = self.wall.get(name, 0.0) + spent_wall - nested_wall
            self.calls[name] = self.calls.get(name, 0) + 1
            if self._stack:
                self._stack[-1][0] += spent_cpu
                self._stack[-1][1] += spent_wall

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` timed as ``name`` (under its own name: a method sent to a worker
        pickles by name and runs unwrapped there)."""
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.phase(name):
                return function(*args, **kwargs)
        return timed


class Idle:
    """Wall time the workers had no task of rows sent and not done, from the first task
    sent to the last one done (with one worker: the time it sat idle, while the
    importer was busy with its own work)."""

    def __init__(self) -> None:
        self.pending = 0
        self.since: float | None = None
        self.first: float | None = None
        self.last = 0.0
        self.idle = 0.0

    def note(self, step: int) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        if self.pending == 0 and self.since is not None:
            self.idle += now - self.since
        self.pending += step
        self.since = now if self.pending == 0 else None
        self.last = now


idle = Idle()


class Collector:
    """CPU the cyclic garbage collector spends in this process, per generation."""

    def __init__(self) -> None:
        self.cpu = [0.0, 0.0, 0.0]
        self.runs = [0, 0, 0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.cpu[info["generation"]] += time.thread_time() - self._start
            self.runs[info["generation"]] += 1


collector = Collector()


def _instrument(phases: Phases, ready: list[float]) -> None:
    import cms_dav.cli.importing as importing
    import cms_dav.io.importer as importer
    import cms_dav.io.read_ahead as read_ahead
    import cms_dav.store.raw as raw
    import cms_dav.store.sql as sql
    from cms_dav.store.store import Store

    command = importing.import_file.callback
    assert command is not None

    def started(*args: Any, **kwargs: Any) -> Any:
        phases.cpu["start-up"] = time.thread_time() - _START_CPU
        phases.wall["start-up"] = time.perf_counter() - _START_WALL
        return command(*args, **kwargs)

    importing.import_file.callback = started
    importing.read_source = phases.wrap("read_source", importing.read_source)
    importer.item_data_as_sent = phases.wrap("importer item_data_as_sent",
                                             importer.item_data_as_sent)
    importer._import_one = phases.wrap("place", importer._import_one)
    Store.put_items = phases.wrap("put_items", Store.put_items)  # type: ignore[method-assign]
    sql.run_on_driver = raw.run_on_driver = phases.wrap(  # type: ignore[assignment]
        "put_items SQL", sql.run_on_driver)
    read_many = read_ahead.RowReader.read_many

    @functools.wraps(read_many)  # its name: a bound method pickles by it
    def counted_reads(self: read_ahead.RowReader, texts: list[str | None]) -> Any:
        phases.rows_read += len(texts)
        return read_many(self, texts)

    read_ahead.RowReader.read_many = phases.wrap(  # type: ignore[method-assign]
        "importer reads", counted_reads)
    read_ahead._Task.answers = phases.wrap(  # type: ignore[method-assign]
        "wait on workers", read_ahead._Task.answers)
    batch = Store.batch

    @contextmanager
    def timed_batch(store: Store, names: Any) -> Iterator[None]:
        transaction = batch(store, names)
        transaction.__enter__()
        try:
            yield
        except BaseException:
            if not transaction.__exit__(*sys.exc_info()):
                raise
            return
        with phases.phase("commit"):  # the commit runs as the block closes
            transaction.__exit__(None, None, None)

    Store.batch = timed_batch  # type: ignore[method-assign,assignment]
    start_workers = read_ahead.Workers.__init__

    def workers_init(self: read_ahead.Workers, count: int) -> None:
        start_workers(self, count)
        if self.pool is None:
            return
        self.pool.submit(read_ahead._ready).add_done_callback(
            lambda _f: ready.append(time.perf_counter() - _START_WALL))
        submit = self.pool.submit

        def counted(function: Callable[..., Any], *args: Any) -> Any:
            idle.note(+1)
            future = submit(function, *args)
            future.add_done_callback(lambda _f: idle.note(-1))
            return future

        self.pool.submit = counted  # type: ignore[method-assign]

    read_ahead.Workers.__init__ = workers_init  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    profile_to = None
    if argv[:1] == ["--profile"]:
        profile_to, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    import gc

    gc.disable()  # as python -m cms_dav: cms_dav.cli resumes it before the command
    import cms_dav.cli as cli

    gc.callbacks.append(collector)

    phases, ready = Phases(), []
    _instrument(phases, ready)
    profile = cProfile.Profile(time.thread_time) if profile_to else None
    if profile is not None:
        profile.enable()
    try:
        cli.main(argv)
    finally:
        if profile is not None:
            profile.disable()
            profile.dump_stats(profile_to)
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        main_cpu = time.thread_time() - _START_CPU
        phases.cpu["other"] = main_cpu - sum(phases.cpu.values())
        print(json.dumps({
            "load": os.getloadavg()[0],
            "wall": round(time.perf_counter() - _START_WALL, 3),
            "main thread cpu": round(main_cpu, 3),
            "process cpu": round(own.ru_utime + own.ru_stime, 3),
            "workers cpu": round(children.ru_utime + children.ru_stime, 3),
            "worker start-up done at": [round(t, 3) for t in ready],
            "workers idle": round(idle.idle, 3),
            "workers' tasks from first sent to last done": round(
                idle.last - (idle.first or idle.last), 3),
            "collector cpu by generation": [round(c, 3) for c in collector.cpu],
            "collector runs": collector.runs,
            "phases cpu": {k: round(v, 3) for k, v in phases.cpu.items()},
            "phases wall": {k: round(v, 3) for k, v in phases.wall.items()},
            "calls": phases.calls, "importer reads rows": phases.rows_read},
            indent=1), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
