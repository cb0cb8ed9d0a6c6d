"""Small bounded helpers the sections share: counters cut to a limit, bounded lists."""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from typing import Generic, Iterable, TypeVar

from cms_dav.reports.model import Cell

T = TypeVar("T")
NONE_LABEL = "(none)"


def top_rows(counter: Counter[str], limit: int) -> list[tuple[Cell, ...]]:
    """(value, count) rows, most frequent first, ties by value; at most ``limit``."""
    ranked = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(value, count) for value, count in ranked[:limit]]


def distinct(values: Iterable[str]) -> set[str]:
    """Each value once per card, blanks dropped (a card with two equal ORGs counts once)."""
    return {v.strip() for v in values if v.strip()}


class _Desc:
    """Reverses ordering, so heapq's min-heap keeps the largest key on top (to drop)."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Cell, ...]) -> None:
        self.key = key

    def __lt__(self, other: "_Desc") -> bool:
        return bool(self.key > other.key)

    def __gt__(self, other: "_Desc") -> bool:
        return bool(self.key < other.key)


class Smallest(Generic[T]):
    """The ``limit`` smallest items by key seen so far (O(limit) memory), and how many
    were offered in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._heap: list[tuple[_Desc, int, T]] = []
        self._order = itertools.count()

    def offer(self, key: tuple[Cell, ...], item: T) -> None:
        self.total += 1
        entry = (_Desc(key), next(self._order), item)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, entry)
        elif self.limit and entry[0] > self._heap[0][0]:
            heapq.heapreplace(self._heap, entry)

    def sorted(self) -> list[T]:
        """The kept items, smallest key first (ties: the order they were offered in)."""
        return [item for _key, _n, item in sorted(self._heap, key=lambda e: (e[0].key, e[1]))]
