"""Whether an item's text holds none of XML's markup characters ``&<>``: the flag
``items.xml_plain``, written with the item in its write transaction.

A listing that carries the texts (a multiget of all, an initial sync with
address-data) copies a plain text into its XML as it is; any other text is escaped.
Checking every text at read time cost a multiget of all at 100k cards a copy of all
the texts joined (~127 MB) and three scans of it (issue 19 target 6, round ten): the
flag moves that check to the write, where it is three ``in`` scans of one ~1 KB text.
A row whose flag is false (the column's default: a row written before migration
0021, or by a writer that does not know the flag) is checked when read, so a stale
"false" costs time, never correctness. ``cms-dav reindex`` sets the flag again from
the texts (:func:`refresh`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.sql.expression import ColumnElement

from cms_dav.store.schema import collections, items

if TYPE_CHECKING:  # the store imports this module (through its item writes)
    from cms_dav.store.store import Store


def is_xml_plain(text: str) -> bool:
    """``text`` holds none of ``&<>`` (UTF-8 never encodes another character with these
    bytes, so the stored bytes hold none either)."""
    return not ("&" in text or "<" in text or ">" in text)


def plain_clause() -> ColumnElement[bool]:
    """:func:`is_xml_plain` of the ``text`` column, in SQL (LIKE on both backends: the
    three characters are no wildcards)."""
    text = items.c.text
    return ~text.contains("&", autoescape=True) & ~text.contains("<", autoescape=True) & \
        ~text.contains(">", autoescape=True)


def refresh(conn: Connection, collection_id: int) -> int:
    """Set the flag of every item of the collection from its text; the rows changed."""
    result = conn.execute(update(items).where(items.c.collection_id == bindparam("cid"))
                          .values(xml_plain=plain_clause()), {"cid": collection_id})
    return int(result.rowcount)


def refresh_under(store: Store, path: str = "") -> int:
    """:func:`refresh` for every address book and calendar at or below ``path`` (all
    when empty), one transaction each; the items whose flag was set."""
    prefix = path.strip("/")
    with store.reading() as conn:
        found = conn.execute(select(collections.c.id, collections.c.path).where(
            collections.c.tag.in_(("VADDRESSBOOK", "VCALENDAR")))).all()
    count = 0
    for collection_id, collection_path in sorted(found, key=lambda row: row[1]):
        if not prefix or collection_path == prefix or \
                collection_path.startswith(prefix + "/"):
            with store.writing() as conn:
                count += refresh(conn, collection_id)
    return count
