"""Turn object text into what the store keeps, exactly as an HTTP PUT would.

The CLI (import, trash restore, Radicale migration) must store the same text and
ETag that Radicale would compute for the same upload, or clients holding the old
ETag would see a change that never happened.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Container
from typing import Any

from radicale import item as radicale_item

from cms_dav.io.parse_state import same_state, state
from cms_dav.store.records import ItemData, Parsed

MAX_RRULE_OCCURRENCES = 10_000  # Radicale's default
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")
EXTENSIONS = {"VADDRESSBOOK": ".vcf", "VCALENDAR": ".ics"}


class ItemError(ValueError):
    """The text is not one valid vCard/iCalendar object for this collection."""


def prepared_item(text: str, tag: str, collection_path: str) -> radicale_item.Item:
    """``text`` parsed, checked, sanitized and prepared as Radicale's PUT handler does."""
    return prepared_upload(text, tag, collection_path)[0]


def prepared_upload(text: str, tag: str, collection_path: str
                    ) -> tuple[radicale_item.Item, bool]:
    """:func:`prepared_item`, and whether sanitizing left Radicale's parse of ``text``
    as parsed (:mod:`cms_dav.io.parse_state`): then a second parse of ``text`` would
    give the same tree, and :func:`item_data_from_upload` may skip it, as it does for
    a PUT (``cms_dav_plugins.upload_watch``)."""
    try:
        components = radicale_item.read_components(text)
        before = state(components)
        radicale_item.check_and_sanitize_items(
            components, tag=tag, max_vevent_rrule_occurrence=MAX_RRULE_OCCURRENCES)
        unchanged = same_state(before, state(components))
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
    return item, unchanged


def item_data(text: str, tag: str, collection_path: str) -> ItemData:
    """Parse, sanitize and serialize like Radicale's PUT handler does."""
    return item_data_of(prepared_item(text, tag, collection_path))


#: components whose UID identifies the resource (RFC 5545 §3.8.4.7 requires it in each)
UID_COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY")


def uid_problem(vobject_item: Any) -> str | None:
    """Why a calendar object does not hold exactly one UID, or None.

    RFC 4791 §4.1: components with different UIDs go in separate resources. Radicale
    checks VEVENT/VTODO/VJOURNAL itself; a VFREEBUSY object (accepted since
    :mod:`cms_dav.io.freebusy_ranges`) is checked here.
    """
    if vobject_item.name != "VCALENDAR":
        return None
    uids: list[str] = []
    for component in vobject_item.components():
        if component.name not in UID_COMPONENTS:
            continue
        lines = component.contents.get("uid", [])
        uid = str(lines[0].value).strip() if lines else ""
        if not uid:
            return f"{component.name} has no UID (RFC 5545 §3.8.4.7)"
        if uid not in uids:
            uids.append(uid)
    if len(uids) > 1:
        return (f"two UIDs in one resource: {uids[0]!r} and {uids[1]!r}; a calendar object "
                "resource holds one UID (RFC 4791 §4.1)")
    return None


def item_data_of(item: radicale_item.Item) -> ItemData:
    """What the store keeps of a prepared Radicale item (the storage plugin uses it too);
    ItemError when it holds more than one UID (:func:`uid_problem`)."""
    problem = uid_problem(item.vobject_item)
    if problem is not None:
        raise ItemError(problem)
    start, end = item.time_range
    return ItemData(text=item.serialize(), uid=item.uid, etag=item.etag, name=item.name,
                    component=item.component_name, time_start=start, time_end=end)


#: characters Radicale's reader strips before parsing (and XML 1.0 cannot carry)
_CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F]")
_BLANK_LINE = re.compile(r"(?m)^[ \t]*$")
_LONE_CR = re.compile(r"\r(?!\n)")


def crlf(text: str) -> str:
    """``text`` with every line ended by CRLF (RFC 5545 §3.1, RFC 6350 §3.2)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return "".join(line + "\r\n" for line in lines)


def item_data_from_upload(item: radicale_item.Item, upload_text: str | None,
                          parsed_unchanged: bool = False) -> tuple[ItemData, bool]:
    """What the store keeps of a PUT of one object: the client's text when it is the
    object Radicale accepted, else Radicale's re-serialization (:func:`item_data_of`);
    and whether it is the client's text (False also when the text is unknown).

    Radicale's sanitizing may change an upload (add a UID, drop a zero DURATION,
    retype EXDATE/RDATE like DTSTART); then its result is stored, as before, and the
    PUT answers without ETag. The test: the client's text, read and serialized by the
    same vobject reader, equals Radicale's serialization of the accepted item; so
    Radicale changed nothing, and only vobject's lossy writer stands between the two.
    ``parsed_unchanged`` (from :mod:`cms_dav_plugins.upload_watch`) says ``item`` *is*
    Radicale's parse of exactly ``upload_text`` and sanitizing left it as parsed: then
    the second parse would give the same tree, and is skipped. Line endings are
    normalised to CRLF; text with control characters, blank lines (which Radicale's
    reader strips) or a lone CR is not stored raw.
    """
    fallback = item_data_of(item)
    if upload_text is None or _CONTROL.search(upload_text):
        return fallback, False
    text = crlf(upload_text)
    if _BLANK_LINE.search(text.replace("\r\n", "\n").rstrip("\n")):
        return fallback, False
    if not (parsed_unchanged and _LONE_CR.search(upload_text) is None):
        try:
            components = radicale_item.read_components(text)
            if len(components) != 1 or components[0].serialize() != fallback.text:
                return fallback, False
        except Exception:  # noqa: BLE001 - vobject raises many types; Radicale's view wins
            return fallback, False
    return dataclasses.replace(fallback, text=text, etag=radicale_item.get_etag(text)), True


#: what radicale.item.read_components rewrites before it parses (a PHOTO data URI, blanks
#: around a TZID), or reads unlike ``vobject.readOne`` (quoted-printable soft breaks:
#: it passes ``allowQP=True``); control characters and blank lines never reach here
_READ_UNLIKE_STORED = (
    re.compile(r"^PHOTO(?:;[^:\r\n]*)?;ENCODING=b(?:;[^:\r\n]*)?:data:[^;,\r\n]*;base64,",
               re.MULTILINE | re.IGNORECASE),
    re.compile(r"(TZID|TZNAME)(:[^\r\n]+) (\r?\n)"),
    re.compile(r"(TZID=[^:]+) (:)"),
    re.compile(r"QUOTED-PRINTABLE", re.IGNORECASE),
)


def upload_parse(data: ItemData, tree: Any, as_sent: bool, parsed_unchanged: bool
                 ) -> ItemData:
    """``data`` carrying Radicale's parse ``tree`` of the PUT body (:class:`Parsed`) when
    that tree is what ``vobject.readOne`` makes of the stored text, which is what
    Radicale reads a stored item with: the text is the client's (``as_sent``), the parse
    is of exactly it and sanitizing left it as parsed (``parsed_unchanged``), and
    Radicale's reader had nothing to rewrite in it. Then the write hooks need not parse
    the text a second time (issue 19); otherwise ``data`` as it is."""
    if not (as_sent and parsed_unchanged) \
            or any(p.search(data.text) for p in _READ_UNLIKE_STORED):
        return data
    return dataclasses.replace(data, parsed=Parsed(data.text, tree))


def new_href(uid: str, tag: str, taken: Container[str]) -> str:
    """``<uid>.vcf`` when the UID is a safe file name and free, else a random name.
    ``taken``: the names in use (a live view, e.g. a dict's keys: never copied here)."""
    extension = EXTENSIONS.get(tag, "")
    safe = uid.removeprefix("urn:uuid:")
    if safe and len(safe) <= 120 and not _UNSAFE.search(safe) and not safe.startswith("."):
        href = safe + extension
        if href not in taken:
            return href
    return f"{uuid.uuid4()}{extension}"


def _kind(tag: str) -> str:
    return {"VADDRESSBOOK": "vCard", "VCALENDAR": "iCalendar object"}.get(tag, "object")
