"""Pure work done for a write before its lock, handed to the write under the lock.

A PUT's upload filter plan (lint, history review, timeline block) and its index
analysis depend only on their inputs (the texts, the book's properties, the actor, the
clock's second), not on the database. The storage plugin has them computed before it
takes the collection's write lock (``Store.prepare_put``); the write under the lock
takes the result whose inputs are exactly its own, and computes it itself otherwise
(another writer changed the card in between, the clock moved on a second). So the
lock, and SQLite's write lock, cover the checks and the statements, not the analysis,
and concurrent writers of one book overlap their analyses with each other's commits
(issue 19). Bounded: a result nobody takes (a refused PUT) is pushed out by newer ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

T = TypeVar("T")

#: results kept at most: a few per concurrent request of one process
LIMIT = 256
#: parses a write hook keeps at most (``ContactUploadFilter.hand_to``): more than a
#: ``cms-dav import`` batch (500 rows), whose hooks read the batch's texts after the
#: filters have run for every row of it
PARSES_LIMIT = 1024
#: the text (characters) the kept results may pin at most: a refused write (a failed
#: If-Match, a quota) leaves its result behind, and a card may be ``[limits]
#: max_item_bytes`` long, so a count alone would let refused uploads pin hundreds of MB
MAX_WEIGHT = 4_000_000


class PreparedWork(Generic[T]):
    """Results by their full inputs; each taken at most once."""

    def __init__(self, limit: int = LIMIT, max_weight: int = MAX_WEIGHT) -> None:
        self._limit = limit
        self._max_weight = max_weight
        self._results: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def put(self, key: Hashable, result: T, weight: int = 0) -> None:
        """Keep ``result`` for ``key``; ``weight``: the characters of text the key and
        the result hold. The oldest results go first past the count or the weight."""
        with self._lock:
            if key in self._results:
                self._weight -= self._results.pop(key)[1]
            self._results[key] = (result, weight)
            self._weight += weight
            while self._results and (len(self._results) > self._limit
                                     or self._weight > self._max_weight):
                self._weight -= self._results.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._results)

    def take(self, key: Hashable) -> T | None:
        """The result prepared for exactly ``key`` (and forgotten), else None."""
        with self._lock:
            found = self._results.pop(key, None)
            if found is None:
                return None
            self._weight -= found[1]
            return found[0]
