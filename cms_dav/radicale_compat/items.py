"""Radicale items built from stored columns, without ``Item.__init__``.

``radicale.item.Item.__init__`` needs the text or a parsed object and asserts the
collection path through ``sanitize_path``; cms_dav's ``StoredItem`` already knows the
ETag, UID, component and time range from indexed columns and loads the text only when
something asks for it. It therefore fills Item's private attributes itself, here.
"""

from __future__ import annotations

from typing import Any

from radicale import item as radicale_item

from cms_dav.radicale_compat.shapes import Shape, attribute, mentions, parameters

USER = "cms_dav's StoredItem (plugins/cms_dav_plugins/storage.py)"

#: Item's private attributes a fast item fills, and the public property reading each
PRIVATE_FIELDS = {"_collection_path": None, "_text": "serialize", "_vobject_item": "vobject_item",
                  "_etag": "etag", "_uid": "uid", "_name": "name",
                  "_component_name": "component_name", "_time_range": "time_range"}


def init_item_fast(item: radicale_item.Item, *, collection: Any, collection_path: str,
                   href: str, last_modified: str, text: str | None, etag: str,
                   uid: str, name: str, component_name: str,
                   time_range: tuple[int, int]) -> None:
    """What ``Item.__init__`` sets, without parsing and without its path assertion
    (the path comes from the store, already sanitized). ``text`` may be None: load it
    later with :func:`fill_item_text`."""
    item.collection = collection
    item.href = href
    item.last_modified = last_modified
    item._collection_path = collection_path
    item._text = text
    item._vobject_item = None
    item._etag = etag
    item._uid = uid
    item._name = name
    item._component_name = component_name
    item._time_range = time_range


def item_text_if_loaded(item: radicale_item.Item) -> str | None:
    """The item's text when it is in memory, else None (nothing is loaded or parsed)."""
    text: str | None = item._text
    return text


def item_is_parsed(item: radicale_item.Item) -> bool:
    return item._vobject_item is not None


def fill_item_text(item: radicale_item.Item, text: str) -> None:
    """Give a fast item its text, loaded late (Item's parser reads ``_text``)."""
    item._text = text


def shapes() -> list[Shape]:
    found = [attribute(f"radicale.item.Item.{name}", USER) for name in PRIVATE_FIELDS]
    found += [mentions(f"radicale.item.Item.{prop}", f"self.{name}",
                       f"reads {name} in Item.{prop}", USER)
              for name, prop in PRIVATE_FIELDS.items() if prop]
    found.append(parameters("radicale.item.Item.__init__",
                            ["self", "collection_path", "collection", "vobject_item", "href",
                             "last_modified", "text", "etag", "uid", "name",
                             "component_name", "time_range"], USER))
    return found
