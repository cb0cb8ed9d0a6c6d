"""Server-generated collections are read-only for everybody, owner and admins included.

A birthday or follow-up calendar (``cms_dav.calendars``) is regenerated from the
address books its owner may read; a client's change would be overwritten on the next
refresh, so no door may write it: its letters are cut to reading. The collection is
recognised by the marker property the server sets when it creates it
(:data:`MARKER`), which no client can set or remove (a PROPPATCH needs "w").
"""

from __future__ import annotations

import json

from cms_dav.acl.permissions import split
from cms_dav.store.records import GENERATED_MARKER, CollectionRecord
from cms_dav.store.sql import Conn, as_db, first, sql

#: the collection property naming what generated the collection ("birthdays", ...)
MARKER = GENERATED_MARKER
#: the letters a generated collection keeps
READ_LETTERS = frozenset("Rr")


def collection_path(path: str) -> str | None:
    """The stored path of the user collection ``path`` names or lies in
    (``/alice/birthdays/x.ics`` -> ``alice/birthdays``); None above that level."""
    parts = split(path)
    return "/".join(parts[:2]) if len(parts) >= 2 else None


def generated_kind(conn: Conn, path: str) -> str | None:
    """What generated the collection at or above ``path``; None for ordinary ones."""
    stored = collection_path(path)
    if stored is None:
        return None
    row = first(as_db(conn), sql("SELECT props FROM collections WHERE path = ? AND tag != ?",
                                 stored, ""))
    props = None if row is None else row[0]
    if not props or MARKER not in props:  # cheap test before parsing the JSON
        return None
    value = json.loads(props).get(MARKER)
    return str(value) if value else None


def kind_of(record: CollectionRecord | None) -> str | None:
    """What :func:`generated_kind` answers for the collection ``record`` (as stored at
    the path asked; None: no collection there)."""
    if record is None or not record.tag:
        return None
    value = record.props.get(MARKER)
    return str(value) if value else None


def read_only(letters: str) -> str:
    return "".join(letter for letter in letters if letter in READ_LETTERS)
