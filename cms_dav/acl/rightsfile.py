"""The rights file as a live source: reloaded when it changes, last good rules kept.

A typo in the file must never lock everybody out (or in), so a broken file leaves
the previous rules in force and the error is logged and kept for `cms-dav check`
(:class:`cms_dav.config.watched_file.WatchedFile`, shared with the fields file).
"""

from __future__ import annotations

import logging
from pathlib import Path

from cms_dav.acl.rules import EMPTY_RULES, RightsFileError, RightsRules, parse_rules
from cms_dav.config.watched_file import CHECK_INTERVAL, WatchedFile

logger = logging.getLogger("cms_dav.acl")


class RightsFile(WatchedFile[RightsRules]):
    """Current rules of one rights file; ``rules()`` is cheap enough to call per request.
    ``generation`` is part of the rights cache key."""

    def __init__(self, path: Path, check_interval: float = CHECK_INTERVAL) -> None:
        super().__init__(path, parse=parse_rules, empty=EMPTY_RULES,
                         errors=(RightsFileError,), what="rights file", logger=logger,
                         check_interval=check_interval)

    def rules(self) -> RightsRules:
        """The current rules (a caller that wants its own rhythm calls :meth:`refresh`
        and reads :attr:`loaded`)."""
        return self.current()
