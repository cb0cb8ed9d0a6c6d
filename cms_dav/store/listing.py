"""The item columns a listing prints, read as plain rows in batches.

``Store.all_items``/``items_by_href`` build one frozen ItemRecord per item, which for
a 10k-item listing costs as much as writing the XML. A listing needs five columns (six
with the text) and no record objects. These read-only queries go straight to the
driver (half the cost of a Core ``select`` per row) and return the text as UTF-8
*bytes*, so a 10 MB multiget never decodes and re-encodes the cards it streams. Each
query runs in its own short transaction, so a listing is not one snapshot: an item
written meanwhile may or may not show, which the next sync corrects (the sync token is
taken before the items are read).
"""

from __future__ import annotations

import itertools
import operator
from array import array
from typing import Any, Iterator, NamedTuple, Sequence

from sqlalchemy import Connection, Engine

from cms_dav.store.sql import driver_rows
from cms_dav.store.store import Store

#: items per query of a whole-collection listing
PAGE = 1000

_META = "href, etag, name, component, modified_at"
#: the stored text as UTF-8 bytes, per backend
_TEXT_AS_BYTES = {"sqlite": "CAST(text AS BLOB) AS text",
                  "postgresql": "convert_to(text, 'UTF8') AS text"}


def _columns(engine: Engine, with_text: bool) -> str:
    return f"{_META}, {_TEXT_AS_BYTES[engine.dialect.name]}" if with_text else _META


def _marker(engine: Engine) -> str:
    return "?" if engine.dialect.paramstyle == "qmark" else "%s"


def rows_by_href(store: Store, collection_id: int, hrefs: Sequence[str],
                 with_text: bool) -> dict[str, Any]:
    """The items among ``hrefs`` that exist (one query: callers pass a batch)."""
    with store.reading() as conn:
        return rows_by_href_in(conn, collection_id, hrefs, with_text)


def rows_by_href_in(conn: Connection, collection_id: int, hrefs: Sequence[str],
                    with_text: bool) -> dict[str, Any]:
    """:func:`rows_by_href` inside the caller's read transaction ``conn``."""
    wanted = list(hrefs)
    if not wanted:
        return {}
    engine = conn.engine
    mark = _marker(engine)
    sql = f"SELECT {_columns(engine, with_text)} FROM items WHERE collection_id = {mark} AND "
    if engine.dialect.name == "postgresql":
        sql += f"href = ANY({mark})"
        params: tuple[Any, ...] = (collection_id, wanted)
    else:
        sql += f"href IN ({','.join([mark] * len(wanted))})"
        params = (collection_id, *wanted)
    return {row.href: row for row in conn.exec_driver_sql(sql, params)}


#: the columns :func:`indexed_by_id_in` reads from the contact index
INDEXED_COLUMNS = "href, etag"


def indexed_by_id_in(conn: Connection, collection_id: int, ids: Sequence[int]
                     ) -> list[Any]:
    """``href, etag`` of the cards among ``ids`` from their contact index rows
    (``contact_cards``), as :func:`raw_by_id_in` reads them from ``items``: plain tuples in
    any order, one statement, inside the caller's read transaction ``conn``. Only for a
    caller that found, in the same snapshot, every card of the collection indexed at
    its current name and ETag (``dav_prefilter.all_cards_indexed``): then the two
    tables agree on both. An index row is ~5 times smaller than the card's ``items``
    row, so the matches of a substring query at 100k read about half as many pages
    (issue 19 target 4, round nine)."""
    return _by_id_in(conn, "contact_cards", "item_id", collection_id, ids, INDEXED_COLUMNS)


def raw_by_id_in(conn: Connection, collection_id: int, ids: Sequence[int],
                 columns: str) -> list[Any]:
    """``columns`` (as in :func:`raw_page`) of the items among ``ids``, as plain tuples
    in any order, in one statement (callers pass a batch), inside the caller's read
    transaction ``conn``: the statement runs on its DBAPI connection, so a row is a
    driver tuple, not a SQLAlchemy row (~5 µs each: a third of an ETag-only
    addressbook-query's cost per match, issue 19 target 4)."""
    return _by_id_in(conn, "items", "id", collection_id, ids, columns)


def _by_id_in(conn: Connection, table: str, key: str, collection_id: int,
              ids: Sequence[int], columns: str) -> list[Any]:
    """``columns`` of the rows of ``table`` (``items`` or ``contact_cards``) whose
    ``key`` column is among ``ids`` and whose ``collection_id`` is ``collection_id``:
    one statement on the DBAPI connection of ``conn``, driver tuples in any order."""
    if not ids:
        return []
    engine = conn.engine
    mark = _marker(engine)
    if engine.dialect.name == "postgresql":
        sql = (f"SELECT {columns} FROM {table} WHERE collection_id = {mark} "
               f"AND {key} = ANY({mark})")
        params: tuple[Any, ...] = (collection_id, list(ids))
    else:
        # "+collection_id": not the (collection_id, ...) index, whose scan of the whole
        # collection SQLite's planner prefers to the id lookups (half the time at 10k)
        sql = (f"SELECT {columns} FROM {table} WHERE {key} IN "
               f"({','.join([mark] * len(ids))}) AND +collection_id = {mark}")
        params = (*ids, collection_id)
    return driver_rows(conn, sql, params)


class ItemAt(NamedTuple):
    """One item for a GET, with its collection's tag and props (:func:`item_at`)."""

    tag: str
    props: str
    name: str
    etag: str
    modified_at: float
    text: bytes


def _item_at_sql(engine: Engine) -> str:
    mark = _marker(engine)
    return (f"SELECT c.tag, c.props, i.name, i.etag, i.modified_at, "
            f"{_TEXT_AS_BYTES[engine.dialect.name].replace('text', 'i.text', 1)} "
            f"FROM collections c JOIN items i ON i.collection_id = c.id "
            f"WHERE c.path = {mark} AND i.href = {mark}")


def item_at(store: Store, collection_path: str, href: str) -> ItemAt | None:
    """The item ``href`` of the collection at ``collection_path`` with the collection's
    tag and props, text as UTF-8 bytes: one query, for a GET of one item.

    The one SELECT runs on a pooled DBAPI connection, outside SQLAlchemy's execution
    layer and without a BEGIN: a single statement is its own consistent snapshot, and
    the pool's reset on return ends whatever the driver began. At a quarter of the
    cost (25 against 115 µs of CPU) this was a third of a GET's WSGI time (issue 19)."""
    engine = store.engine
    sql = _item_at_sql(engine)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, (collection_path, href))
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()
    return None if row is None else ItemAt(*row)


class CollectionHead(NamedTuple):
    """What a multiget needs of its collection (:func:`collection_head`)."""

    id: int
    tag: str
    props: str
    item_count: int


def _raw_all(store: Store, sql: str, params: Sequence[Any]) -> list[Any]:
    """Every row of one SELECT on a pooled DBAPI connection, outside SQLAlchemy's
    execution layer and without a BEGIN: the statement is its own snapshot, and the
    pool's reset on return ends whatever the driver began (:func:`item_at`). Rows are
    plain tuples: a SQLAlchemy row costs ~5 µs per item through its cursor wrapper,
    more than rendering the item's ``<response>``."""
    connection = store.engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()
    finally:
        connection.close()


def collection_head(store: Store, collection_path: str) -> CollectionHead | None:
    """The collection at ``collection_path``: id, tag, props (JSON text), item count."""
    mark = _marker(store.engine)
    rows = _raw_all(store, "SELECT id, tag, props, item_count FROM collections "
                           f"WHERE path = {mark}", (collection_path,))
    return CollectionHead(*rows[0]) if rows else None


def raw_text_column(engine: Engine) -> str:
    """The SQL for the item text as UTF-8 bytes on ``engine``'s backend."""
    return _TEXT_AS_BYTES[engine.dialect.name]


def raw_page(store: Store, collection_id: int, after: str | None, columns: str,
             column_params: Sequence[Any] = (), page: int = PAGE) -> list[Any]:
    """``columns`` (SQL over the items table, whose ``?``/``%s`` markers take
    ``column_params``) of the next ``page`` items of the collection after href
    ``after`` (None: from the start), ordered by href, as plain tuples, in one
    statement."""
    mark = _marker(store.engine)
    sql = f"SELECT {columns} FROM items WHERE collection_id = {mark}"
    params: tuple[Any, ...] = (*column_params, collection_id)
    if after is not None:
        sql += f" AND href > {mark}"
        params += (after,)
    return _raw_all(store, f"{sql} ORDER BY href LIMIT {int(page)}", params)


def raw_ids(store: Store, collection_id: int) -> array[int]:
    """The row ids of the collection's items, ascending: storage order on SQLite (the
    table is a b-tree on its rowid), read from an index alone (``ix_items_time``
    covers ``collection_id`` and the rowid) in one statement. Kept as 8 bytes an id
    (a list of 100k ids and their int objects, with the driver's 100k row tuples on
    the way, raised a 100k multiget's peak memory by ~10 MB)."""
    ids: array[int] = array("q")
    connection = store.engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(f"SELECT id FROM items WHERE collection_id = "
                           f"{_marker(store.engine)}", (collection_id,))
            while chunk := cursor.fetchmany(4096):
                ids.extend([row[0] for row in chunk])
        finally:
            cursor.close()
    finally:
        connection.close()
    if not all(map(operator.lt, ids, itertools.islice(ids, 1, None))):
        ids = array("q", sorted(ids))  # the index's order is by time range first
    return ids


def raw_id_pages(store: Store, collection_id: int, page: int = PAGE
                 ) -> Iterator[Sequence[int]]:
    """The collection's row ids in ascending runs of about ``page`` items, each run
    for one :func:`raw_by_ids` statement. When the ids are dense (the span from the
    lowest to the highest holds at most twice as many ids as items: a book written
    mostly by itself, as a bulk import or a phone's first upload writes it) the runs
    are ``range`` windows of that span, worked out from one ``min``/``max``/``count``
    statement that reads the index and returns one row; only a sparser book (rows
    interleaved with other books') is listed id by id (:func:`raw_ids`). At 100k
    items the listing and its 100k Python ints cost ~5x the span's statement (issue
    19 target 6, round eight). A window holds at most twice ``page`` rows of the
    collection (none if the ids between were deleted) and the other collections'
    rows in it are skipped by :func:`raw_by_ids`' range read."""
    rows = _raw_all(store, "SELECT min(id), max(id), count(*) FROM items WHERE "
                           f"collection_id = {_marker(store.engine)}", (collection_id,))
    low, high, count = rows[0] if rows else (None, None, 0)
    if not count or low is None or high is None:
        return
    span = high - low + 1
    if span <= 2 * count:
        width = max(1, page * span // count)
        for start in range(low, high + 1, width):
            yield range(start, min(start + width, high + 1))
        return
    ids = raw_ids(store, collection_id)
    for start in range(0, len(ids), page):
        yield ids[start:start + page]


def raw_by_ids(store: Store, collection_id: int, ids: Sequence[int], columns: str,
               column_params: Sequence[Any] = ()) -> list[Any]:
    """``columns`` (as in :func:`raw_page`) of the collection's items in the run of row
    ids from ``ids[0]`` to ``ids[-1]`` (a page of :func:`raw_ids`), in id order, in one
    statement. Ascending ids walk the table's b-tree forward, whatever the items'
    hrefs: read by href, a book of random UUID hrefs visits its rows at random (issue
    19 target 6). While the run holds at most twice as many ids as the page (the book's
    rows lie mostly together, as a book written by one client does) it is read as one
    range of the table, the other collections' rows in it skipped; a sparser run (rows
    interleaved with other books') is read by its ids. A range may also hold an item
    written since the ids were listed: callers pick the rows they want."""
    if not ids:
        return []
    engine = store.engine
    mark = _marker(engine)
    if ids[-1] - ids[0] < 2 * len(ids):
        # SQLite: "+" keeps the planner on the rowid range instead of the index on
        # collection_id, which would read the whole collection for each page
        owner = "+collection_id" if engine.dialect.name == "sqlite" else "collection_id"
        return _raw_all(store, f"SELECT {columns} FROM items WHERE id >= {mark} AND "
                               f"id <= {mark} AND {owner} = {mark} ORDER BY id",
                        (*column_params, ids[0], ids[-1], collection_id))
    listed = ",".join(map(str, map(int, ids)))  # integers: nothing to quote
    return _raw_all(store, f"SELECT {columns} FROM items WHERE id IN ({listed}) AND "
                           f"collection_id = {mark} ORDER BY id",
                    (*column_params, collection_id))


class StoredRow(NamedTuple):
    """An item's listing columns (:data:`_META`): a
    :class:`cms_dav.wsgi.multistatus_stream.Listed`."""

    href: str
    etag: str
    name: str
    component: str
    modified_at: float


def pages_in_storage_order(store: Store, collection_id: int, columns: str,
                           page: int = PAGE) -> Iterator[list[Any]]:
    """``columns`` (as in :func:`raw_page`) of every item of the collection, as pages of
    plain tuples in storage order: the id runs worked out first (:func:`raw_id_pages`:
    windows of a dense book's id span, else its listed ids), then a run per statement
    (:func:`raw_by_ids`), so a slow client reading the stream holds no connection.
    Read by href, a book of UUID hrefs visited its table rows at random (issue 19
    target 6, round eight). Only the rows of the runs are given, each once: a row
    written after the ids were listed (a range read of listed ids may meet one) is
    left out, as an item written during a listing may be; one deleted meanwhile is
    gone. A window's rows are the span's, read once by id: no check is needed."""
    for wanted in raw_id_pages(store, collection_id, page):
        if isinstance(wanted, range):
            yield raw_by_ids(store, collection_id, wanted, columns)
            continue
        rows = raw_by_ids(store, collection_id, wanted, f"id, {columns}")
        if [row[0] for row in rows] != list(wanted):  # rows written or deleted since
            listed = set(wanted)
            rows = [row for row in rows if row[0] in listed]
        yield [row[1:] for row in rows]


def rows_in_storage_order(store: Store, collection_id: int,
                          page: int = PAGE) -> Iterator[StoredRow]:
    """:func:`pages_in_storage_order` of the listing columns, row by row."""
    for rows in pages_in_storage_order(store, collection_id, _META, page):
        yield from map(StoredRow._make, rows)


def raw_by_href(store: Store, collection_id: int, hrefs: Sequence[str], columns: str,
                column_params: Sequence[Any] = ()) -> list[Any]:
    """``columns`` (as in :func:`raw_page`) of the items among ``hrefs`` that exist, as
    plain tuples in any order, in one statement (callers pass a batch)."""
    wanted = list(hrefs)
    if not wanted:
        return []
    engine = store.engine
    mark = _marker(engine)
    sql = f"SELECT {columns} FROM items WHERE collection_id = {mark} AND "
    params: tuple[Any, ...]
    if engine.dialect.name == "postgresql":
        sql += f"href = ANY({mark})"
        params = (*column_params, collection_id, wanted)
    else:
        sql += f"href IN ({','.join([mark] * len(wanted))})"
        params = (*column_params, collection_id, *wanted)
    return _raw_all(store, sql, params)
