"""The item columns a listing prints, read as plain rows in batches.

``Store.all_items``/``items_by_href`` build one frozen ItemRecord per item, which for
a 10k-item listing costs as much as writing the XML. A listing needs five columns (six
with the text) and no record objects: these read-only queries return SQLAlchemy rows,
which have the same attribute names. Each query runs in its own short transaction, so
a listing is not one snapshot: an item written meanwhile may or may not show, which
the next sync corrects (the sync token is taken before the items are read).
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from sqlalchemy import select

from cms_dav.store.schema import items
from cms_dav.store.store import Store

#: items per query of a whole-collection listing
PAGE = 1000

_COLUMNS = (items.c.href, items.c.etag, items.c.name, items.c.component,
            items.c.modified_at)


def _columns(with_text: bool) -> tuple[Any, ...]:
    return _COLUMNS + ((items.c.text,) if with_text else ())


def all_rows(store: Store, collection_id: int, with_text: bool,
             page: int = PAGE) -> Iterator[Any]:
    """Every item of the collection, ordered by href, a page per short read
    transaction: a slow client reading the stream holds no database connection."""
    after: str | None = None
    while True:
        query = select(*_columns(with_text)).where(items.c.collection_id == collection_id)
        if after is not None:
            query = query.where(items.c.href > after)
        with store.reading() as conn:
            rows = conn.execute(query.order_by(items.c.href).limit(page)).all()
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].href


def rows_by_href(store: Store, collection_id: int, hrefs: Sequence[str],
                 with_text: bool) -> dict[str, Any]:
    """The items among ``hrefs`` that exist (one query: callers pass a batch)."""
    query = select(*_columns(with_text)).where(items.c.collection_id == collection_id,
                                               items.c.href.in_(list(hrefs)))
    with store.reading() as conn:
        return {row.href: row for row in conn.execute(query)}
