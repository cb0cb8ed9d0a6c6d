"""Turn object text into what the store keeps, exactly as an HTTP PUT would.

The CLI (import, trash restore, Radicale migration) must store the same text and
ETag that Radicale would compute for the same upload, or clients holding the old
ETag would see a change that never happened.
"""

from __future__ import annotations

import re
import uuid

from radicale import item as radicale_item

from cms_dav.store.records import ItemData

MAX_RRULE_OCCURRENCES = 10_000  # Radicale's default
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")
EXTENSIONS = {"VADDRESSBOOK": ".vcf", "VCALENDAR": ".ics"}


class ItemError(ValueError):
    """The text is not one valid vCard/iCalendar object for this collection."""


def item_data(text: str, tag: str, collection_path: str) -> ItemData:
    """Parse, sanitize and serialize like Radicale's PUT handler does."""
    try:
        components = radicale_item.read_components(text)
        radicale_item.check_and_sanitize_items(
            components, tag=tag, max_vevent_rrule_occurrence=MAX_RRULE_OCCURRENCES)
    except Exception as exc:  # noqa: BLE001 - vobject and Radicale raise many types for bad input
        raise ItemError(f"not a valid {_kind(tag)}: {exc}") from None
    if len(components) != 1:
        raise ItemError(f"expected one {_kind(tag)}, found {len(components)}")
    item = radicale_item.Item(collection_path=collection_path.strip("/"),
                              vobject_item=components[0])
    try:
        item.prepare()
    except Exception as exc:  # noqa: BLE001 - Item.prepare raises many types for bad input
        raise ItemError(f"not a valid {_kind(tag)}: {exc}") from None
    return item_data_of(item)


def item_data_of(item: radicale_item.Item) -> ItemData:
    """What the store keeps of a prepared Radicale item (the storage plugin uses it too)."""
    start, end = item.time_range
    return ItemData(text=item.serialize(), uid=item.uid, etag=item.etag, name=item.name,
                    component=item.component_name, time_start=start, time_end=end)


def new_href(uid: str, tag: str, taken: set[str]) -> str:
    """``<uid>.vcf`` when the UID is a safe file name and free, else a random name."""
    extension = EXTENSIONS.get(tag, "")
    safe = uid.removeprefix("urn:uuid:")
    if safe and len(safe) <= 120 and not _UNSAFE.search(safe) and not safe.startswith("."):
        href = safe + extension
        if href not in taken:
            return href
    return f"{uuid.uuid4()}{extension}"


def _kind(tag: str) -> str:
    return {"VADDRESSBOOK": "vCard", "VCALENDAR": "iCalendar object"}.get(tag, "object")
