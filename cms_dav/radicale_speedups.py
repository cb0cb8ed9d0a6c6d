"""Memoize Radicale's pure path helpers.

A Depth-1 PROPFIND or a multiget over N items calls ``pathutils.sanitize_path`` about
seven times per item (every ``strip_path``/``unstrip_path`` asserts through it) and
``xmlutils.make_clark`` six times. Both are pure functions of a string, so a bounded
cache returns the same strings without redoing the work; Radicale's behaviour is
unchanged (exceptions are not cached).
"""

from __future__ import annotations

import functools

from radicale import pathutils, xmlutils

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    pathutils.sanitize_path = functools.lru_cache(maxsize=1 << 17)(pathutils.sanitize_path)
    xmlutils.make_clark = functools.lru_cache(maxsize=1024)(xmlutils.make_clark)
    _installed = True
