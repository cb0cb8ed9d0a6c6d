"""The store's upload filters for custom fields: keep the values a client dropped,
refuse values of the wrong type.

:func:`cms_dav.app.build_app` composes them after the interactions filter
(``upload_filters=(ContactUploadFilter(...), keep_custom_fields, FieldValueCheck(fields))``);
the store calls them inside the write transaction. It only inserts ``X-CMS-FIELD`` lines before
``END:VCARD`` (lossless storage, issue 12); a changed text gets its own ETag, so the
PUT answers without one (RFC 6352 §6.3.2.3) and the client fetches the merged card.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from cms_dav.contacts.custom_fields import card_field_values, merge_preserving_fields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import FieldValueError
from cms_dav.contacts.fields_file import FieldsFile
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.limits.errors import LimitExceeded
from cms_dav.store.records import CollectionRecord, ItemData, ItemRecord

log = logging.getLogger("cms_dav.contacts")


class KeepCustomFields:
    """UploadFilter: the upload with the stored field values it lacks put back.

    Returns ``data`` itself when nothing changed (the store compares identity);
    never refuses an upload (a card it cannot read is stored as sent)."""

    def __call__(self, conn: Any, collection: CollectionRecord, old: ItemRecord | None,
                 data: ItemData, *, actor: str = "", attested: bool = False) -> ItemData:
        try:
            merged = self._merged(old, data)
        except ContactError as exc:
            log.warning("/%s/ (UID %s): custom fields not merged: %s", collection.path,
                        data.uid, exc)
            return data
        if merged is not data:
            log.info("/%s/ (UID %s): kept custom fields the client dropped",
                     collection.path, data.uid)
        return merged

    def prepare(self, collection: CollectionRecord, old: ItemRecord | None,
                data: ItemData, *, actor: str = "", attested: bool = False) -> ItemData:
        """What the filter will make of ``data`` (``Store.prepare_put``, before the
        write lock); it reads no database, and logs only when it runs for the write."""
        try:
            return self._merged(old, data)
        except ContactError:
            return data

    @staticmethod
    def _merged(old: ItemRecord | None, data: ItemData) -> ItemData:
        if data.name.upper() != "VCARD" or old is None or old.text is None:
            return data
        text, changed = merge_preserving_fields(old.text, data.text)
        return dataclasses.replace(data, text=text, etag=etag_of(text)) if changed else data


keep_custom_fields = KeepCustomFields()


class FieldValueRefused(LimitExceeded):
    """An upload whose field value does not fit the field's type: 403 with the
    CardDAV ``valid-address-data`` precondition (RFC 6352 §6.3.2.1) and a body naming
    the field and the value; nothing is stored. A ``LimitExceeded`` so that the
    storage plugin hands it to the limits layer, which answers with it."""

    def __init__(self, description: str) -> None:
        super().__init__(403, "CR:valid-address-data", description)


class FieldValueCheck:
    """UploadFilter: refuse a card whose defined fields hold values of the wrong type.

    Only values that differ from the stored card are checked, so a phone writing
    back a card whose old value no longer fits an edited definition is not locked
    out; keys the fields file does not define are kept unchecked."""

    def __init__(self, fields: FieldsFile) -> None:
        self.fields = fields

    def __call__(self, conn: Any, collection: CollectionRecord, old: ItemRecord | None,
                 data: ItemData, *, actor: str = "", attested: bool = False) -> ItemData:
        if data.name.upper() != "VCARD":
            return data
        defined = self.fields.fields()
        if not defined.fields:
            return data
        stored = card_field_values(old.text) if old is not None and old.text else {}
        for key, value in card_field_values(data.text).items():
            definition = defined.get(key)
            if definition is None or stored.get(key) == value:
                continue
            try:
                definition.normalize(value)
            except FieldValueError as exc:
                raise FieldValueRefused(f"UID {data.uid}: {exc}") from None
        return data

    def prepare(self, collection: CollectionRecord, old: ItemRecord | None,
                data: ItemData, *, actor: str = "", attested: bool = False) -> ItemData:
        """``Store.prepare_put``: it changes nothing, and refuses under the lock."""
        return data
