"""The store's upload filter for contacts: keep dropped interactions, log lint problems.

:func:`cms_dav.app.build_app` passes it to the App's store as an upload filter
(``Store(..., upload_filters=(keep_interactions,))``); the store calls it inside the
write transaction.

When the text changes, the returned ItemData carries the new text and its ETag, so
the response to the PUT cannot claim the client's bytes were stored as sent
(RFC 6352 §6.3.2.3: no strong ETag for a modified upload) and the client's next
sync fetches the merged card.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from typing import Any

from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import merge_preserving_interactions
from cms_dav.contacts.validation import lint_card
from cms_dav.store.records import CollectionRecord, ItemData, ItemRecord

log = logging.getLogger("cms_dav.contacts")


def etag_of(text: str) -> str:
    """The ETag Radicale gives a text (radicale.item.get_etag), recomputed for merged text."""
    return '"%s"' % hashlib.sha256(text.encode()).hexdigest()


def keep_interactions(conn: Any, collection: CollectionRecord, old: ItemRecord | None,
                      data: ItemData) -> ItemData:
    """UploadFilter: the upload with stored interactions it lacks put back.

    Returns ``data`` itself when nothing changed (the store compares identity).
    Never refuses an upload: Radicale already accepted the card, and a card we
    cannot read is stored as sent (and reported in the log).
    """
    if data.name.upper() != "VCARD":  # Radicale leaves component empty for vCards
        return data
    where = f"/{collection.path}/ (UID {data.uid})"
    for problem in lint_card(data.text):
        log.warning("%s: %s", where, problem)
    try:
        text, changed = merge_preserving_interactions(old.text if old else None, data.text)
    except ContactError as exc:
        log.warning("%s: interactions not merged: %s", where, exc)
        return data
    if not changed:
        return data
    log.info("%s: kept interaction notes the client dropped", where)
    return dataclasses.replace(data, text=text, etag=etag_of(text))
