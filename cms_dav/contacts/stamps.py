"""The interaction format's date-times (``YYYYMMDDTHHMMSSZ``, UTC) and dates
(``YYYYMMDD``) read as ``datetime.strptime`` reads them, without its machinery for the
written form (issue 19, putpath: a bench card's PUT read ~8 of them, ~25 us each).

A text of exactly the canonical shape (ASCII digits, upper-case ``T`` and ``Z``) is
read by position: ``strptime``'s directives can split such a text only at those
positions (``%Y`` takes four digits, ``%m %d %H %M %S`` one or two each, so the fixed
total length leaves two each), and out-of-range fields fail in the ``datetime``
constructor with the ValueError ``strptime`` raises. Anything else (lower-case ``t``,
other digits, spaces, short fields) goes to ``strptime`` itself, leniencies included.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
DAY_FORMAT = "%Y%m%d"
_STAMP = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_DAY = re.compile(r"[0-9]{8}")


def utc_stamp(text: str) -> datetime:
    """``strptime(text, STAMP_FORMAT)`` in UTC; ValueError as it raises it."""
    if _STAMP.fullmatch(text):
        return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                        int(text[11:13]), int(text[13:15]), tzinfo=timezone.utc)
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=timezone.utc)


def basic_day(text: str) -> date:
    """``strptime(text, DAY_FORMAT).date()``; ValueError as it raises it."""
    if _DAY.fullmatch(text):
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    return datetime.strptime(text, DAY_FORMAT).date()
