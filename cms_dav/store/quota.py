"""Quotas enforced inside the store's write transaction, so every door obeys them.

Refusals are 507 with the ``DAV:quota-not-exceeded`` precondition (RFC 4331 §6). Items
per collection are counted by ``items.put`` under the collection's row lock; collections
per user are counted here after taking a per-user transaction lock (PostgreSQL advisory
lock; SQLite write transactions are serialized already), so two parallel MKCOLs cannot
both take the last place.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Connection, func, select, text

from cms_dav.limits.errors import LimitExceeded
from cms_dav.store.records import GENERATED_MARKER
from cms_dav.store.schema import collections

QUOTA = "D:quota-not-exceeded"


class QuotaExceeded(LimitExceeded):
    def __init__(self, description: str) -> None:
        super().__init__(507, QUOTA, description)


def owner_of(path: str) -> str:
    return path.partition("/")[0]


def check_new_collection(conn: Connection, path: str, limit: int) -> None:
    """Refuse a new collection below a user's home past ``limit`` of them."""
    owner = owner_of(path)
    if not owner or owner == path:
        return  # the home itself (and the root) is not counted
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(f"quota:{owner}".encode("utf-8"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    # the server's generated calendars (birthdays, follow-ups) take no place of the user's
    held = conn.execute(select(func.count()).select_from(collections).where(
        collections.c.path.startswith(owner + "/", autoescape=True),
        ~collections.c.props.contains(GENERATED_MARKER, autoescape=True))).scalar_one()
    if held >= limit:
        raise QuotaExceeded(f"user {owner!r} already has {held} collections, the most "
                            f"one user may have ([limits] max_collections_per_user)")
