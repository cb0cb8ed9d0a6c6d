"""The cyclic garbage collector during a bulk command (``cms-dav import``).

An import keeps what it has read and written for its whole run (the file's rows, the
book's items as written so far, the match keys, the rows read ahead): every object
survives, so the collector's full collections, which walk all of them and ran 15 times
in a 10,000-row import, found almost nothing (0-10 objects each) and cost ~15 % of the
importer's CPU, more per row the longer the file (issue 19 target 5; measured in
``bench/README.md``, round six). Reference counting frees everything that is not a
cycle; the young generations still collect the short-lived cycles (an exception's
traceback, a parse's back references), so only a cycle that outlives two young
collections waits for the end of the command.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: the oldest generation's threshold inside :func:`no_full_collections`: a full
#: collection would wait for this many collections of the middle generation (each after
#: ~7,000 new container objects with the default thresholds), i.e. never in practice
NEVER = 1_000_000_000


@contextmanager
def no_full_collections() -> Iterator[None]:
    """Inside: no automatic full collection (the young generations are collected as
    before; ``gc.collect()`` still works). The thresholds are restored afterwards."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], NEVER)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
