"""Per-request facts shared between the WSGI layer and the plugins (one thread per request)."""

from __future__ import annotations

import threading

_local = threading.local()


def begin_request() -> None:
    _local.actor = ""
    _local.modified_upload = False


def set_actor(actor: str) -> None:
    _local.actor = actor


def actor() -> str:
    return getattr(_local, "actor", "")


def mark_modified_upload() -> None:
    """The store kept something the client's upload lacked: its bytes were not stored as-is."""
    _local.modified_upload = True


def upload_was_modified() -> bool:
    return getattr(_local, "modified_upload", False)
