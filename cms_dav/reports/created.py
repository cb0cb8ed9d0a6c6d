"""When each contact was added, for "contacts added per month".

The store keeps no creation column, so the time is the first trace we have, best first:

1. the audit entry of the write that created the item at this href (``item.put`` with
   ``created: true``; the latest one, as a deleted href may be used again);
2. else the oldest stored earlier version of it (``history``, pruned by retention);
3. else the item's last modification (``items.modified_at``).

One scan per address book; the mapping holds one float per card of that book only.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, func, select

from cms_dav.store.schema import audit, history


def _created_by_audit(conn: Connection, book_path: str) -> dict[str, float]:
    prefix = book_path + "/"
    query = (select(audit.c.target, audit.c.at, audit.c.detail)
             .where(audit.c.action == "item.put", audit.c.target.startswith(prefix,
                                                                              autoescape=True))
             .order_by(audit.c.id))
    found: dict[str, float] = {}
    for row in conn.execute(query.execution_options(yield_per=1000)):
        href = row.target[len(prefix):]
        if "/" in href:  # an item of a nested collection
            continue
        try:
            created = json.loads(row.detail).get("created") is True
        except ValueError:
            created = False
        if created:
            found[href] = row.at
    return found


def _oldest_versions(conn: Connection, book_path: str) -> dict[str, float]:
    query = (select(history.c.href, func.min(history.c.at))
             .where(history.c.collection_path == book_path).group_by(history.c.href))
    return {href: at for href, at in conn.execute(query)}


class CreationTimes:
    """Creation time of each item of one book (see the module docstring)."""

    def __init__(self, conn: Connection, book_path: str) -> None:
        self._audit = _created_by_audit(conn, book_path)
        self._history = _oldest_versions(conn, book_path)

    def of(self, href: str, modified_at: float) -> float:
        if href in self._audit:
            return self._audit[href]
        return min(self._history.get(href, modified_at), modified_at)
