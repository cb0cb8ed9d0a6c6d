"""A hand-edited file as a live source: parsed again when it changes, last good kept.

The rights file and the fields file are edited by people while the server runs. A typo
must never lock everybody out (or in) nor drop every custom field, so a broken edit
leaves the previous version in force; the error is logged and kept in ``last_error``
for ``cms-dav check``. The file's mtime, size and inode are looked at no more than once
every ``check_interval`` seconds, so asking for the current value per request is cheap.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Generic, TypeVar

T = TypeVar("T")

#: how often (seconds) the file's mtime/size are looked at
CHECK_INTERVAL = 1.0


class WatchedFile(Generic[T]):
    """The current parsed value of one file (``empty`` when the file does not exist)."""

    def __init__(self, path: Path, *, parse: Callable[[str, str], T], empty: T,
                 errors: tuple[type[Exception], ...], what: str, logger: logging.Logger,
                 check_interval: float = CHECK_INTERVAL) -> None:
        self.path = Path(path)
        self.check_interval = check_interval
        self.last_error: str | None = None
        #: bumped on every successful (re)load (callers key caches on it)
        self.generation = 0
        self._parse = parse
        self._empty = empty
        self._errors = errors
        self._what = what
        self._logger = logger
        self._value = empty
        self._signature: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self.refresh(force=True)

    def current(self) -> T:
        """The value, the file looked at again every ``check_interval`` seconds."""
        if time.monotonic() - self._checked_at >= self.check_interval:
            self.refresh()
        return self._value

    @property
    def loaded(self) -> T:
        """The value as last loaded, without looking at the file."""
        return self._value

    def refresh(self, force: bool = False) -> None:
        with self._lock:
            self._checked_at = time.monotonic()
            signature = self._stat()
            if signature == self._signature and not force:
                return
            self._signature = signature
            if signature is None:
                self._install(self._empty)
                return
            expected: tuple[type[Exception], ...] = (*self._errors, OSError,
                                                     UnicodeDecodeError)
            try:
                value = self._parse(self.path.read_text(encoding="utf-8"), str(self.path))
            except expected as exc:
                self.last_error = str(exc)
                self._logger.error("%s not loaded, keeping the previous version: %s",
                                   self._what, exc)
                return
            self._install(value)

    def _stat(self) -> tuple[int, int, int] | None:
        if str(self.path) in ("", "."):  # Settings made in code without a file
            return None
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size, stat.st_ino

    def _install(self, value: T) -> None:
        self._value = value
        self.last_error = None
        self.generation += 1
