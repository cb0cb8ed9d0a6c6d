"""Texts of Radicale's log records that cms_dav reads.

``cms_dav.wsgi.rejections`` turns the reason Radicale logs for a refused request into
the answer's body. Radicale's logger name (``radicale``) is public; the wording of its
records is not, so the texts matched are kept and checked here. When one goes, the
layer falls back to its own sentences: the check makes that visible at start-up.

:func:`startup_at_debug` moves Radicale's start-up configuration dump to DEBUG.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from cms_dav.radicale_compat.shapes import Shape, mentions

USER = "cms_dav's rejection reasons (cms_dav/wsgi/rejections.py)"

#: logged at ERROR for a client's bad path; cms_dav logs it as the client error it is
INVALID_PATH = "request contains invalid path"
#: the per-request summary line, never a reason
RESPONSE_STATUS = " response status for "
#: the htpasswd backend's file-loading lines, never a reason
FILE_CONTENT = "content of"
#: Radicale's reason prefix, stripped from the reason shown: "Bad PUT request on '/p': "
BAD_REQUEST_PREFIX = r"^(?:Bad|Failed) \w+ request(?: on| for)? '[^']*'(?: \([^)]*\))?: "
#: the collection type named in an upload refusal ("... in 'VADDRESSBOOK' collection")
ITEM_TYPE_IN_COLLECTION = r"in '(VADDRESSBOOK|VCALENDAR)' collection"


def shapes() -> list[Shape]:
    return [
        mentions("radicale.app", INVALID_PATH,
                 "logs invalid request paths with this text", USER),
        mentions("radicale.app", "response status for",
                 "logs its response summary with this text", USER),
        mentions("radicale.auth.htpasswd", FILE_CONTENT,
                 "logs loading the htpasswd file with this text", USER),
        mentions("radicale.app.put", "Bad PUT request on %r",
                 "logs refused uploads as \"Bad PUT request on '<path>': <reason>\"", USER),
        mentions("radicale.item.check_and_sanitize_items", "not supported in %r",
                 "names the collection type in an upload refusal", USER),
    ]


#: Radicale's one logger (``radicale.log.LOGGER_NAME``, public): every module logs through it
RADICALE_LOGGER = "radicale"


class _StartupAtDebug(logging.Filter):
    """Re-levels Radicale's below-warning records as DEBUG; drops them unless the
    logger shows DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(RADICALE_LOGGER).isEnabledFor(logging.DEBUG)


@contextmanager
def startup_at_debug() -> Iterator[None]:
    """Radicale's start-up lines (its whole configuration, ~50 lines at INFO/NOTICE)
    logged at DEBUG while the ``with`` block runs (issue 17: cms_dav's banner says what
    an operator needs); warnings and errors keep their level."""
    logger = logging.getLogger(RADICALE_LOGGER)
    demote = _StartupAtDebug()
    logger.addFilter(demote)
    try:
        yield
    finally:
        logger.removeFilter(demote)
