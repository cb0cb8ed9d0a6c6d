"""The item columns a listing prints, read as plain rows in batches.

``Store.all_items``/``items_by_href`` build one frozen ItemRecord per item, which for
a 10k-item listing costs as much as writing the XML. A listing needs five columns (six
with the text) and no record objects: these read-only queries return SQLAlchemy rows,
which have the same attribute names.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from sqlalchemy import select

from cms_dav.store.schema import items
from cms_dav.store.store import Store

_COLUMNS = (items.c.href, items.c.etag, items.c.name, items.c.component,
            items.c.modified_at)


def _columns(with_text: bool) -> tuple[Any, ...]:
    return _COLUMNS + ((items.c.text,) if with_text else ())


def all_rows(store: Store, collection_id: int, with_text: bool) -> Iterator[Any]:
    """Every item of the collection, ordered by href, in one read transaction."""
    query = (select(*_columns(with_text)).where(items.c.collection_id == collection_id)
             .order_by(items.c.href).execution_options(yield_per=1000))
    with store.reading() as conn:
        yield from conn.execute(query)


def rows_by_href(store: Store, collection_id: int, hrefs: Sequence[str],
                 with_text: bool) -> dict[str, Any]:
    """The items among ``hrefs`` that exist (one query: callers pass a batch)."""
    query = select(*_columns(with_text)).where(items.c.collection_id == collection_id,
                                               items.c.href.in_(list(hrefs)))
    with store.reading() as conn:
        return {row.href: row for row in conn.execute(query)}
