"""The fields file as a live source: reloaded when it changes, last good version kept.

Works like the rights file (:mod:`cms_dav.acl.rightsfile`): the server looks at the
file's mtime/size at most once a second; a broken edit is logged with its line and
kept for ``cms-dav check``/``field list``, and the previous definitions stay in force.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from cms_dav.contacts.field_defs import EMPTY_FIELDS, FieldSet, FieldsFileError, parse_fields

logger = logging.getLogger("cms_dav.contacts")

#: how often (seconds) the file's mtime/size are looked at
CHECK_INTERVAL = 1.0


class FieldsFile:
    """Current field definitions of one file; ``fields()`` is cheap to call per write."""

    def __init__(self, path: Path, check_interval: float = CHECK_INTERVAL) -> None:
        self.path = Path(path)
        self.check_interval = check_interval
        self.last_error: str | None = None
        self._fields = EMPTY_FIELDS
        self._signature: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self.refresh(force=True)

    def fields(self) -> FieldSet:
        """The current definitions, the file looked at again every ``check_interval``."""
        if time.monotonic() - self._checked_at >= self.check_interval:
            self.refresh()
        return self._fields

    def refresh(self, force: bool = False) -> None:
        with self._lock:
            self._checked_at = time.monotonic()
            try:
                if str(self.path) in ("", "."):  # Settings made in code without a file
                    raise FileNotFoundError(self.path)
                stat = os.stat(self.path)
                signature: tuple[int, int, int] | None = (stat.st_mtime_ns, stat.st_size,
                                                          stat.st_ino)
            except FileNotFoundError:
                signature = None
            if signature == self._signature and not force:
                return
            self._signature = signature
            if signature is None:
                self._install(EMPTY_FIELDS)
                return
            try:
                loaded = parse_fields(self.path.read_text(encoding="utf-8"), str(self.path))
            except (FieldsFileError, OSError, UnicodeDecodeError) as exc:
                self.last_error = str(exc)
                logger.error("fields file not loaded, keeping the previous fields: %s", exc)
                return
            self._install(loaded)

    def _install(self, loaded: FieldSet) -> None:
        self._fields = loaded
        self.last_error = None
