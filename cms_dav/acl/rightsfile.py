"""The rights file as a live source: reloaded when it changes, last good rules kept.

A typo in the file must never lock everybody out (or in), so a broken file leaves
the previous rules in force and the error is logged and kept for `cms-dav check`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from cms_dav.acl.rules import EMPTY_RULES, RightsFileError, RightsRules, parse_rules

logger = logging.getLogger("cms_dav.acl")

#: how often (seconds) the file's mtime/size are looked at
CHECK_INTERVAL = 1.0


class RightsFile:
    """Current rules of one rights file; ``rules()`` is cheap enough to call per request."""

    def __init__(self, path: Path, check_interval: float = CHECK_INTERVAL) -> None:
        self.path = Path(path)
        self.check_interval = check_interval
        self.last_error: str | None = None
        #: bumped on every successful (re)load; part of the rights cache key
        self.generation = 0
        self._rules = EMPTY_RULES
        self._signature: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self.refresh(force=True)

    def rules(self) -> RightsRules:
        """The current rules, the file looked at again every ``check_interval`` seconds
        (a caller that wants its own rhythm calls :meth:`refresh` and :attr:`loaded`)."""
        if time.monotonic() - self._checked_at >= self.check_interval:
            self.refresh()
        return self._rules

    @property
    def loaded(self) -> RightsRules:
        """The rules as last loaded, without looking at the file."""
        return self._rules

    def refresh(self, force: bool = False) -> None:
        with self._lock:
            self._checked_at = time.monotonic()
            try:
                stat = os.stat(self.path)
                signature: tuple[int, int, int] | None = (stat.st_mtime_ns, stat.st_size,
                                                          stat.st_ino)
            except FileNotFoundError:
                signature = None
            if signature == self._signature and not force:
                return
            self._signature = signature
            if signature is None:
                self._install(EMPTY_RULES)
                return
            try:
                text = self.path.read_text(encoding="utf-8")
                rules = parse_rules(text, str(self.path))
            except (RightsFileError, OSError, UnicodeDecodeError) as exc:
                self.last_error = str(exc)
                logger.error("rights file not loaded, keeping the previous rules: %s", exc)
                return
            self._install(rules)

    def _install(self, rules: RightsRules) -> None:
        self._rules = rules
        self.last_error = None
        self.generation += 1
