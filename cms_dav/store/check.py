"""``cms-dav check``: is the store consistent with itself?"""

from __future__ import annotations

from hashlib import sha256

from sqlalchemy import func, select, text

from cms_dav.store.schema import changes, collections, items
from cms_dav.store.store import Store


def check_store(store: Store) -> list[str]:
    """Every problem found, one line each; an empty list means clean."""
    problems: list[str] = []
    with store.reading() as conn:
        if store.engine.dialect.name == "sqlite":
            result = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            if result != ["ok"]:
                problems.extend(f"sqlite integrity: {line}" for line in result)
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                problems.append(f"dangling row in {row[0]} (rowid {row[1]})")
        tags = dict(conn.execute(select(collections.c.id, collections.c.tag)).all())
        paths = dict(conn.execute(select(collections.c.id, collections.c.path)).all())
        query = select(items.c.collection_id, items.c.href, items.c.etag, items.c.text)
        for row in conn.execute(query.execution_options(yield_per=1000)):
            where = f"/{paths.get(row.collection_id, '?')}/{row.href}"
            if not tags.get(row.collection_id):
                problems.append(f"{where}: item in an untagged collection")
            expected = '"%s"' % sha256(row.text.encode()).hexdigest()
            if expected != row.etag:
                problems.append(f"{where}: stored ETag does not match its content")
        newest = conn.execute(select(changes.c.collection_id, func.max(changes.c.seq))
                              .group_by(changes.c.collection_id)).all()
        seqs = dict(conn.execute(select(collections.c.id, collections.c.sync_seq)).all())
        for collection_id, seq in newest:
            if seq > seqs.get(collection_id, -1):
                problems.append(f"/{paths.get(collection_id)}/: change log ahead of "
                                f"the collection's sync counter")
        counted: dict[int, int] = dict(conn.execute(
            select(items.c.collection_id, func.count()).group_by(items.c.collection_id)).all())
        for collection_id, held in conn.execute(select(collections.c.id,
                                                       collections.c.item_count)):
            if held != counted.get(collection_id, 0):
                problems.append(f"/{paths.get(collection_id)}/: item count {held} (the "
                                f"quota's counter) but {counted.get(collection_id, 0)} items")
        conn.execute(text("SELECT 1"))
    return problems
