"""Load what the first write would otherwise load while a client waits.

The first card a fresh server indexes pulls in pypinyin's dictionary and
phonenumbers' metadata (about 60 ms); ``cms-dav serve`` pays that before it listens.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("cms_dav")

SAMPLE_CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:warm-up\r\nFN:张伟 Łukasz Żółć\r\n"
               "N:Żółć;Łukasz;;;\r\nORG:Warm-up\r\nEMAIL:warm.up@example.org\r\n"
               "TEL:+48 601 234 567\r\nTEL:+86 138 0013 8000\r\nCATEGORIES:sample\r\n"
               "END:VCARD\r\n")


def warm_up(default_region: str = "") -> float:
    """Index and lint a sample card once; returns the seconds it took."""
    from cms_dav.contacts.index_store import analyse
    from cms_dav.contacts.validation import lint_card

    started = time.perf_counter()
    analyse(SAMPLE_CARD, default_region, "warm-up")
    lint_card(SAMPLE_CARD, default_region)
    elapsed = time.perf_counter() - started
    log.debug("warmed up in %.0f ms", elapsed * 1000)
    return elapsed
