"""An import's vCards read in worker processes, ahead of the rows being placed and
written (issue 19 target 5).

What a row costs before its write depends on its text alone: the ``[limits]`` check,
its record (of which the importer gets the UID) and match keys, and Radicale's parse,
check, sanitize and serialization
(:func:`cms_dav.io.as_sent.item_data_as_sent`, with the parse kept for the write
hooks): over half of an import's CPU. Worker processes do it for the rows ahead while
the importer places and writes the rows before them, so on a machine with a spare core
it no longer adds to the import's time.

The importer uses a row's result only where it would have computed the same thing from
the same text: a row the worker could not read (any error, a worker that died) is read
again by the importer, which then meets the error exactly as before, and a row merged
into a card is read as the merged text. Workers start with ``spawn`` (no copy of the
parent's database connections or threads) and install the vobject patches
:func:`cms_dav.app.build_app` installs, so their parse is the importer's. Results stay
at most :data:`AHEAD` rows ahead of the importer: each holds a parse tree.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import signal
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice, repeat

from cms_dav.config import Limits
from cms_dav.contacts.card_work import CardWork, card_work
from cms_dav.contacts.vcard_lines import CardParses
from cms_dav.io.as_sent import item_data_as_sent
from cms_dav.io.contact_record import vcard_to_record
from cms_dav.io.matching import match_keys
from cms_dav.io.written_vcards import read_written
from cms_dav.limits.item_text import check_item_text
from cms_dav.store.records import ItemData

#: rows per task sent to a worker (about a tenth of a second of work)
CHUNK = 100
#: rows read ahead of the importer, in tasks sent or results waiting (a batch and a
#: half, so the workers go on while the importer writes a batch)
AHEAD = 800
#: tasks given to the pool at a time per worker (the rest stay for the importer's
#: process to read when it would wait): enough to keep a worker busy while the importer
#: writes a batch
QUEUED = 3
#: rows the importer's process reads at a time of a task kept back, when the next
#: task is not done: it then looks again, so it reads about as long as it would have
#: waited (a whole task, ~70 ms of work, overshot the wait and took rows the worker
#: would have read: issue 19 target 5)
STEAL = 20
#: by default, a file with fewer rows is read in the importer: a worker's start-up (its
#: imports) costs about as much as reading a thousand rows
MIN_ROWS = 2000
#: most worker processes an import starts by default
MAX_WORKERS = 4


@dataclass(frozen=True)
class ReadRow:
    """A vCard row read ahead: its UID and match keys (all the importer places it by; not
    its whole record, which only made the hand-over longer) and what the store keeps
    of it."""

    uid: str | None
    keys: list[str]
    data: ItemData
    #: the write's work on the text (lint, index analysis), for the store to take when
    #: it stores the text as sent; None when it could not be made
    work: CardWork | None = None


@dataclass(frozen=True)
class RowReader:
    """Reads rows for one import target (sent to the workers with each task)."""

    limits: Limits
    tag: str
    path: str
    region: str
    #: False: every row the full way, even one in the shape ``record_to_vcard`` writes
    #: (the reference of the differential test, ``tests/io/test_written_vcards.py``)
    shortcut: bool = True

    def read(self, text: str | None) -> ReadRow | None:
        """``text`` read as the importer reads a row that is not merged; None when any
        step refuses it (the importer then reads it itself and reports the refusal)."""
        if text is None:
            return None
        # one parse of each line for the record and the write's work (lint, index)
        parses = CardParses()
        try:
            check_item_text(text, self.limits, self.tag)
            record = vcard_to_record(text, parses)
            keys = match_keys(record, self.region)
        except Exception:  # noqa: BLE001 - any refusal is the importer's to report
            return None
        written = self._written(text, record.uid, keys, parses)
        if written is not None:
            return written
        try:
            data = item_data_as_sent(text, self.tag, self.path, keep_parse=True)[0]
        except Exception:  # noqa: BLE001 - any refusal is the importer's to report
            return None
        try:
            tree = data.parsed.of(data.text) if data.parsed is not None else None
            work = card_work(data.text, self.region, tree, self._checked(text, data.text),
                             parses)
        except Exception:  # noqa: BLE001 - the write makes it itself
            work = None
        if work is not None and work.index is not None:
            # the parse was kept for the index analysis, made now: not sent back (tens
            # of kilobytes to pickle and load per row; a write whose upload filter edits
            # the text parses that text itself, as it would anyway)
            data = dataclasses.replace(data, parsed=None)
        return ReadRow(record.uid, keys, data, work)

    def _written(self, text: str, uid: str | None, keys: list[str], parses: CardParses
                 ) -> ReadRow | None:
        """The row of a vCard in the shape ``record_to_vcard`` writes (a CSV or xlsx
        row), read without vobject (:mod:`cms_dav.io.written_vcards`); None for any
        other text, or when the work on it is not complete: the full path reads it."""
        if not self.shortcut or self.tag != "VADDRESSBOOK":
            return None
        written = read_written(text)
        if written is None:
            return None
        try:
            work = card_work(text, self.region, written.tree,
                             self._checked(text, written.data.text), parses)
        except Exception:  # noqa: BLE001 - the full path decides
            return None
        if work.index is None:
            return None  # the full path keeps its parse for the write's analysis
        return ReadRow(uid, keys, written.data, work)

    def _checked(self, text: str, stored: str) -> Limits | None:
        """The limits :meth:`read` checked ``text`` against, when the text to store is
        that text and was checked as a vCard (``CardWork.checked``)."""
        return self.limits if self.tag == "VADDRESSBOOK" and stored == text else None

    def read_many(self, texts: list[str | None]) -> list[ReadRow | None]:
        return [self.read(text) for text in texts]


def default_workers(rows: int) -> int:
    """Workers for a file of ``rows`` rows: none below :data:`MIN_ROWS`, else one less
    than the CPUs this process may use (one is the importer's), at most
    :data:`MAX_WORKERS`."""
    if rows < MIN_ROWS:
        return 0
    from cms_dav.serving.workers import default_count  # the CPUs, as `serve` counts them

    return max(0, min(default_count() - 1, MAX_WORKERS))


class Workers:
    """Worker processes for :func:`read_ahead`, started before the import file is read
    (``cms-dav import``): a worker's start-up (a new interpreter importing Radicale and
    the readers, about as much CPU as reading several hundred rows) then runs beside the
    importer's own reading of the file, not beside its first rows, which the importer
    would otherwise read itself while it waits (issue 19). Closing it stops them."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = None
        if count < 1:
            return
        self.pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker)
        for _ in range(count):
            # a pool of spawned processes starts one per task it is given while none is
            # idle: the tasks start them all now, and import the readers in each
            self.pool.submit(_ready)

    def close(self, wait: bool = True) -> None:
        """Stop the workers; ``wait=False``: do not wait for a start-up under way."""
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ready() -> None:
    """A worker's first task: unpickling it imported this module, and so the readers."""


def read_ahead(reader: RowReader, texts: Sequence[str | None], workers: "int | Workers"
               ) -> Generator[ReadRow | None, None, None]:
    """One answer per text, in order: its :class:`ReadRow` from one of ``workers``
    processes, or None where the importer reads it itself (no workers, a refusal).
    ``workers``: a number of processes to start, or :class:`Workers` started already
    (the caller closes those).

    The pool is given at most :data:`QUEUED` tasks per worker at a time; the other
    tasks of the :data:`AHEAD` rows stay here. When the next rows' task is not done,
    the caller's process reads the last :data:`STEAL` rows kept here instead of waiting,
    and looks again: on a machine
    whose cores the workers do not outnumber, the importer and the workers then share
    the reading, whichever is behind (the same function either way; nothing is
    withdrawn from the pool, so a worker that dies cannot leave a task unanswered)."""
    started = workers if isinstance(workers, Workers) else Workers(workers)
    if started.pool is None:
        yield from repeat(None, len(texts))
        return
    pool, count = started.pool, started.count
    upcoming = (_Task(list(texts[start:start + CHUNK]))
                for start in range(0, len(texts), CHUNK))
    window: deque[_Task] = deque()

    def refill() -> None:
        """Open tasks up to AHEAD rows; send the earliest kept ones to the pool."""
        held = sum(len(task.texts) for task in window)  # (tasks split by steal())
        window.extend(islice(upcoming, max(1, (AHEAD - held) // CHUNK)))
        queued = sum(1 for task in window if task.future is not None
                     and not task.future.done())
        for task in window:
            if queued >= QUEUED * count:
                return
            if task.kept:
                try:
                    task.future = pool.submit(reader.read_many, task.texts)
                except Exception:  # noqa: BLE001 - a broken pool: the importer reads them
                    task.rows = [None] * len(task.texts)
                    continue
                queued += 1

    def steal() -> bool:
        """Read the last :data:`STEAL` rows of the last task kept here (split off as a
        task of their own, in place: the answers keep their order); False when there
        is none."""
        for at in range(len(window) - 1, -1, -1):
            task = window[at]
            if task.kept:
                if len(task.texts) > STEAL:
                    rest, task.texts = task.texts[:-STEAL], task.texts[-STEAL:]
                    window.insert(at, _Task(rest))
                task.rows = reader.read_many(task.texts)
                return True
        return False

    try:
        refill()
        while window:
            task = window.popleft()
            refill()
            while task.future is not None and not task.future.done() and steal():
                pass
            yield from task.answers()
    finally:
        if started is not workers:
            started.close()


@dataclass
class _Task:
    """Rows to read: sent to a worker (``future``), or read by the importer's process
    (``rows``); neither yet: kept here."""

    texts: list[str | None]
    future: Future[list[ReadRow | None]] | None = None
    rows: list[ReadRow | None] | None = None

    @property
    def kept(self) -> bool:
        return self.future is None and self.rows is None

    def answers(self) -> list[ReadRow | None]:
        if self.rows is not None:
            return self.rows
        try:
            if self.future is not None:
                return self.future.result()
        except Exception:  # noqa: BLE001 - a worker died: the importer reads them
            pass
        return [None] * len(self.texts)


def _start_worker() -> None:
    """A worker: Ctrl-C is the importer's to handle (it stops the pool); vobject read
    and written as in the importer's process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from cms_dav import radicale_compat
    from cms_dav.io import freebusy_ranges, vobject_fold, vobject_text, vobject_values

    vobject_values.install()
    vobject_text.install()
    vobject_fold.install()
    freebusy_ranges.install()
    radicale_compat.replace_content_line_writes()
