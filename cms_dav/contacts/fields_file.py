"""The fields file as a live source: reloaded when it changes, last good version kept.

Works like the rights file (:class:`cms_dav.config.watched_file.WatchedFile`): the server
looks at the file's mtime/size at most once a second; a broken edit is logged with its
line and kept for ``cms-dav check``/``field list``, and the previous definitions stay in
force.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cms_dav.config.watched_file import CHECK_INTERVAL, WatchedFile
from cms_dav.contacts.field_defs import EMPTY_FIELDS, FieldSet, FieldsFileError, parse_fields

logger = logging.getLogger("cms_dav.contacts")


class FieldsFile(WatchedFile[FieldSet]):
    """Current field definitions of one file; ``fields()`` is cheap to call per write."""

    def __init__(self, path: Path, check_interval: float = CHECK_INTERVAL) -> None:
        super().__init__(path, parse=parse_fields, empty=EMPTY_FIELDS,
                         errors=(FieldsFileError,), what="fields file", logger=logger,
                         check_interval=check_interval)

    def fields(self) -> FieldSet:
        """The current definitions, the file looked at again every ``check_interval``."""
        return self.current()
