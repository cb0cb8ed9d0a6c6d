"""The duplicate groups of an address book, kept per version of the book, so the review
pages (the list, each comparison, paging) do not run the whole-book finder
(:func:`cms_dav.io.duplicate_groups.find_groups`) on every request.

The key is the book's sync epoch and change number (``collections.sync_seq``, bumped by
every write in the write's transaction): any change of the book, by any door or
process, makes the next request compute the groups again, so a page never shows groups
of an older book. The first request after a change still reads the whole book (issue 16
item 5 asks for better: an index kept in the write path). Per process, a few books,
least recently used first out."""

from __future__ import annotations

import threading
from collections import OrderedDict

from cms_dav.io.duplicate_groups import FoundGroup, find_groups
from cms_dav.store.store import Store

#: books whose groups one process keeps
BOOKS = 8


class DuplicateCache:
    """Thread-safe; the groups handed out are shared: read them, do not change them."""

    def __init__(self, books: int = BOOKS) -> None:
        self._books = books
        self._kept: OrderedDict[str, tuple[tuple[str, int], list[FoundGroup]]] = OrderedDict()
        self._lock = threading.Lock()

    def groups(self, store: Store, path: str, default_region: str = "") -> list[FoundGroup]:
        """The groups of the book at ``path`` as it is now (DedupeError as find_groups)."""
        path = path.strip("/")
        record = store.collection(path)
        if record is None:
            return find_groups(store, path, default_region)  # says what is wrong
        version = (record.sync_epoch, record.sync_seq)
        with self._lock:
            kept = self._kept.get(path)
            if kept is not None and kept[0] == version:
                self._kept.move_to_end(path)
                return kept[1]
        # read after the version: a write in between only makes this entry never match
        found = find_groups(store, path, default_region)
        with self._lock:
            self._kept[path] = (version, found)
            self._kept.move_to_end(path)
            while len(self._kept) > self._books:
                self._kept.popitem(last=False)
        return found
