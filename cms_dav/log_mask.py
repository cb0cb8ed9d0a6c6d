"""Secrets never reach a log line: a token link (``/.token/v1/<token>/``) is a password,
and so is an app password (``cmsdav_<lookup>_<secret>``, :mod:`cms_dav.auth.app_passwords`),
should one ever be logged (a user typing it as a user name, a URL holding it).

Radicale logs resolved token paths at info level (and every request path at debug).
:func:`mask_secrets_in_logs` wraps the process's log-record factory, so every record,
whoever emits it and whichever handler writes it, has its tokens replaced before
formatting. Call it wherever cms_dav sets up logging (``serve`` and ``application``).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable

TOKEN = re.compile(r"/\.token/v1/[A-Za-z0-9_\-]{8,}")
MASK = "/.token/v1/***"
APP_PASSWORD = re.compile(r"cmsdav_[0-9a-f]{12}_[A-Za-z0-9_\-]+")
APP_PASSWORD_MASK = "cmsdav_***"


def mask(text: str) -> str:
    return APP_PASSWORD.sub(APP_PASSWORD_MASK, TOKEN.sub(MASK, text))


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is the logger's problem
        return record
    if ".token/" in message or "cmsdav_" in message:
        record.msg, record.args = mask(message), None
    return record


def mask_secrets_in_logs() -> None:
    """Install the masking record factory once per process (idempotent)."""
    current: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(current, "cms_dav_masks_tokens", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _masked(current(*args, **kwargs))

    factory.cms_dav_masks_tokens = True  # type: ignore[attr-defined]  # a marker on the function
    logging.setLogRecordFactory(factory)
