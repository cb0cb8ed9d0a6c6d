"""What the store keeps of an object that did not come through a PUT of one object:
the sender's text whenever Radicale's own check and sanitizing changed nothing in it.

The doors that receive many objects (a PUT of a whole collection, ``cms-dav import``,
the Radicale migration) apply the rule the single PUT applies
(:func:`cms_dav.io.stored_items.item_data_from_upload`, issue 12): Radicale parses,
checks and sanitizes; when the sender's text, read and serialized by the same vobject
reader, equals what Radicale made of it, only vobject's lossy writer stands between
the two, and the sender's text (CRLF line ends) is stored with its own ETag. Else
Radicale's text is stored, as before.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import vobject
from radicale import item as radicale_item

from cms_dav.io.stored_items import (crlf, prepared_upload,
                                     item_data_from_upload, item_data_of, upload_parse)
from cms_dav.store.records import ItemData

#: control codes Radicale's reader strips (the text is then not stored raw)
_CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F]")
_BLANK_LINE = re.compile(r"(?m)^[ \t]*$")
#: what a VCALENDAR of a whole-collection item keeps besides its components
_OBJECT_COMPONENTS = {"VEVENT", "VTODO", "VJOURNAL"}


def item_data_as_sent(text: str, tag: str, collection_path: str, *,
                      keep_parse: bool = False) -> tuple[ItemData, bool]:
    """The ItemData of one object's text, and whether it keeps ``text`` (CRLF). A
    calendar object is compared as the single PUT compares it, except that a DTSTAMP
    vobject's writer adds (of *now*) is the same on both sides (:func:`_compared`).

    ``keep_parse``: the ItemData carries Radicale's parse of ``text`` when it is what a
    fresh parse of the stored text gives (:func:`upload_parse`, as a PUT hands it), so
    the store's write hooks do not parse the object again (issue 19). For a caller
    that writes the object at once (``cms-dav import``), not one that collects many
    (a tree is tens of kilobytes)."""
    item, unchanged = prepared_upload(text, tag, collection_path)
    if item.name != "VCALENDAR":
        # parsed once: sanitizing left Radicale's parse of ``text`` as it was
        data, as_sent = item_data_from_upload(item, text, parsed_unchanged=unchanged)
    else:
        data, as_sent = _compared(item, text, rewrap=False)
        unchanged = False  # _compared may have given the parse DTSTAMPs: not as parsed
    if keep_parse:
        data = upload_parse(data, item.vobject_item, as_sent, unchanged)
    return data, as_sent


def collection_item_data(item: radicale_item.Item, sent: str | None
                         ) -> tuple[ItemData, bool]:
    """One item of a whole-collection PUT: ``sent`` is the client's text of this object
    (:mod:`cms_dav.io.object_split`). A vCard is checked as a single PUT is. Radicale
    puts each calendar object's components in a new VCALENDAR (its own VERSION and
    PRODID; vobject re-creates the VTIMEZONEs from the parsed times), so the client's
    object is compared after the same re-wrapping (``radicale.app.put.prepare``)."""
    if item.name != "VCALENDAR" or sent is None:
        return item_data_from_upload(item, sent)
    return _compared(item, sent, rewrap=True)


def _compared(item: radicale_item.Item, sent: str, rewrap: bool) -> tuple[ItemData, bool]:
    """``sent`` (CRLF) when the same reader sees in it what Radicale accepted, else
    Radicale's text: the rule of ``item_data_from_upload`` for a calendar object.
    ``rewrap``: Radicale put its components in a VCALENDAR of its own (collection PUT)."""
    fallback = item_data_of(item)
    if _CONTROL.search(sent):
        return fallback, False
    text = crlf(sent)
    if _BLANK_LINE.search(text.replace("\r\n", "\n").rstrip("\n")):
        return fallback, False
    try:
        component, = radicale_item.read_components(text)
        if rewrap:
            rewrapped = vobject.iCalendar()  # what radicale.app.put.prepare builds
            for child in _objects(component):
                rewrapped.add(child)
            rewrapped.add(vobject.base.ContentLine("PRODID", {},
                                                   item.vobject_item.prodid.value))
            component = rewrapped
        _same_added_dtstamps(_objects(component), _objects(item.vobject_item))
        if component.serialize() != fallback.text:
            return fallback, False
    except Exception:  # noqa: BLE001 - vobject raises many types; Radicale's view wins
        return fallback, False
    return dataclasses.replace(fallback, text=text, etag=radicale_item.get_etag(text)), True


def _objects(calendar: Any) -> list[Any]:
    return [c for c in calendar.getChildren() if c.name in _OBJECT_COMPONENTS]


def _same_added_dtstamps(sent: list[Any], accepted: list[Any]) -> None:
    """vobject's writer adds a DTSTAMP of *now* (RFC 5545 §3.8.7.2) to a component that
    has none, in either serialization; a component of the client's that lacks one gets
    the one Radicale's item got, so that the clock does not decide the comparison."""
    if len(sent) != len(accepted):
        return
    for mine, theirs in zip(sent, accepted, strict=True):
        if "DTSTAMP" not in mine.contents and "dtstamp" not in mine.contents \
                and hasattr(theirs, "dtstamp"):
            mine.add("dtstamp").value = theirs.dtstamp.value
