"""Where :meth:`cms_dav.store.store.Store.resolve` keeps its answers in a request memo,
so that another service of the same request (the ACL's generated-collection test) can
use an answer already found instead of asking the database again (issue 19: a PUT ran a
read transaction per question about the same collection).

Only reading the memo lives here; the store alone fills it (``Store.resolve``, and
``Store.confirm_lookup`` for a PUT under its write lock: the answers of the lookup
before the lock, once the book's row shows them unchanged). A light module on purpose:
the policy imports it, and read-only commands load the policy without the store.
"""

from __future__ import annotations

from typing import Hashable

from cms_dav.memo import Memo
from cms_dav.store.records import CollectionRecord

_RESOLVED = "store.resolve"
_HAS_UID = "store.has_uid"


def key(path: str) -> Hashable:
    """The memo key of ``Store.resolve(path)``'s answer."""
    return (_RESOLVED, path)


def uid_key(collection_id: int, uid: str) -> Hashable:
    """The memo key of ``Store.has_uid(collection_id, uid)``'s answer."""
    return (_HAS_UID, collection_id, uid)


def known_collection(memo: Memo | None, path: str) -> tuple[bool, CollectionRecord | None]:
    """``(True, record)`` when the memo already knows what collection is stored at
    ``path`` (``record`` None: none is), ``(False, None)`` when it does not know.

    ``Store.resolve`` answers a collection, an item in its parent (``(parent, item)``)
    or None; the latter two both say that no collection is at ``path``."""
    if memo is None:
        return False, None
    found, answer = memo.known(key(path))
    if not found:
        return False, None
    return True, answer if isinstance(answer, CollectionRecord) else None
