"""Check a backup's items against this server's ``[limits]`` before restoring it.

A restore copies rows, texts byte for byte: it never parses or rewrites an object.
But a backup may come from a server with larger limits (or from before they existed),
and every other door refuses an object that breaks them (RFC 6352 §6.3.2.1, RFC 4791
§5.3.2.1 ``max-resource-size``). A restore is one consistent state, so it is refused
as a whole, naming the items, before anything is written; raising ``[limits]`` (or
mending the items on the old server) lets it through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import MetaData, create_engine, select

from cms_dav.config import Limits
from cms_dav.limits.errors import LimitExceeded
from cms_dav.limits.item_text import check_item_text

#: refused items named in the message, at most
MAX_NAMED = 5

Row = tuple[str, dict[str, Any]]


def item_rows_of_sqlite(path: Path) -> Iterator[Row]:
    """The collections and items rows of a SQLite snapshot (nothing else is read)."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(conn, only=["collections", "items"])
            collections = metadata.tables["collections"]
            items = metadata.tables["items"]
            for row in conn.execute(select(collections.c.id, collections.c.path,
                                           collections.c.tag)):
                yield "collections", dict(row._mapping)
            for row in conn.execute(select(items.c.collection_id, items.c.href,
                                           items.c.text)):
                yield "items", dict(row._mapping)
    finally:
        engine.dispose()


def limit_problems(rows: Iterable[Row], limits: Limits) -> list[str]:
    """``/path/href: reason`` for each item breaking ``limits`` (collections rows must
    come before the items rows, as snapshots write them)."""
    collections: dict[Any, tuple[str, str]] = {}
    problems: list[str] = []
    for table, row in rows:
        if table == "collections":
            collections[row["id"]] = (row["path"], row.get("tag") or "")
        elif table == "items":
            path, tag = collections.get(row["collection_id"], ("?", ""))
            try:
                check_item_text(row["text"] or "", limits, tag)
            except LimitExceeded as exc:
                problems.append(f"/{path}/{row['href']}: {exc.description}")
    return problems


def refusal(problems: list[str]) -> str:
    named = "; ".join(problems[:MAX_NAMED])
    more = f" (and {len(problems) - MAX_NAMED} more)" if len(problems) > MAX_NAMED else ""
    return (f"refusing to restore: {len(problems)} item(s) break this server's [limits]: "
            f"{named}{more}; raise the limits in the configuration or mend the items "
            "on the old server")
