"""The vCards :func:`cms_dav.io.contact_record.record_to_vcard` writes, read without
vobject's parse and Radicale's serialization (issue 19 target 5).

``cms-dav import`` of a CSV or xlsx file turns each row into a vCard of one fixed shape
and reads it as any upload is read (:func:`cms_dav.io.as_sent.item_data_as_sent`):
Radicale's reader parses it, checks it, and serializes the parse only to prove the
sender's text may be stored as sent; the search index then reads the parse's values.
That was ~60 % of an import's CPU. For exactly that shape the outcome is known from the
text: Radicale accepts it unchanged (RFC 6350 §6.7.6: it has a UID, so nothing is
added), the text is stored as sent with the ETag of its bytes, and each value is what
vobject's own decoders (the functions its behaviours call) make of the line's value.
:func:`read_written` returns that, or None for any text it cannot vouch for (any other
property, parameter, version, folding, blank line, control character, a Radicale
reader rewrite): those go the full way. ``tests/io/test_written_vcards.py`` proves the
result equal to the full path's, over the bench's rows, hostile rows and hypothesis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import vobject.icalendar
import vobject.vcard
from radicale import item as radicale_item
from radicale.item import filter as radicale_filter

from cms_dav.contacts import custom_fields
from cms_dav.contacts.index_store import DAV_PROPS
from cms_dav.contacts.interactions import PROPERTY as INTERACTION_PROPERTY
from cms_dav.store.records import ItemData

#: characters that make Radicale's reader or vobject's line reader see another text
#: (control codes it strips, line breaks ``str.splitlines`` or a regex may honour)
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")
#: Radicale's reader rewrites TZID/TZNAME blanks and PHOTO data URIs, and reads
#: quoted-printable soft breaks (vobject ``allowQP``): any trace of them goes the full way
_REWRITTEN = ("TZID", "TZNAME", "PHOTO", "QUOTED-PRINTABLE")
#: a content line of the shape: a property ``record_to_vcard`` writes, at most a plain
#: TYPE parameter, then the value (vobject's line pattern splits it at that colon)
_LINE = re.compile(r"([A-Z-]+)(;TYPE=[a-z0-9-]+(?:,[a-z0-9-]+)*)?:(.*)", re.DOTALL)
#: the properties of the shape; True: it may carry a TYPE parameter
_NAMES = {"UID": False, "FN": False, "N": False, "ORG": False, "TITLE": False,
          "EMAIL": True, "TEL": True, "ADR": True, "CATEGORIES": False, "NOTE": False,
          "BDAY": False, "URL": False, INTERACTION_PROPERTY: False,
          custom_fields.PROPERTY: False}
#: properties the shape holds once: vobject's check wants one FN, at most one N;
#: Radicale reads the first UID
_COUNTED = ("uid", "fn", "n")
#: properties vobject's vCard 3.0 reading gives one unescaped text value
#: (``VCardTextBehavior``, ``icalendar.TextBehavior`` for UID)
_TEXT = frozenset({"UID", "FN", "TITLE", "EMAIL", "TEL", "NOTE", "URL"})


@dataclass(frozen=True)
class _Read:
    """One content line's value as vobject reads it (what the index reads)."""

    value: Any


class ValuesView:
    """The ``<prop>_list`` attributes of a vobject card that
    :func:`cms_dav.contacts.index_store.dav_values` reads, for the card's properties."""

    def __init__(self, values: dict[str, list[_Read]]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> list[_Read]:
        if name.endswith("_list"):
            found = self._values.get(name[:-len("_list")])
            if found is not None:
                return found
        raise AttributeError(name)


@dataclass(frozen=True)
class WrittenCard:
    """What the full path makes of a written vCard: the stored data (the text as sent)
    and the values vobject's parse would give the index."""

    data: ItemData
    tree: ValuesView


def read_written(text: str) -> WrittenCard | None:
    """``text`` read as :func:`~cms_dav.io.as_sent.item_data_as_sent` reads it, when it
    has the shape ``record_to_vcard`` writes; None otherwise (and for a text the full
    path would refuse), for the caller to take the full path."""
    if not text.endswith("\r\n") or _UNSAFE.search(text):
        return None
    upper = text.upper()
    if any(word in upper for word in _REWRITTEN):
        return None
    lines = _logical_lines(text)
    if lines is None or len(lines) < 3 or lines[0] != "BEGIN:VCARD" \
            or lines[1] != "VERSION:3.0" or lines[-1] != "END:VCARD":
        return None
    values: dict[str, list[_Read]] = {}
    counts = dict.fromkeys(_COUNTED, 0)
    for line in lines[2:-1]:
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        name, params, raw = match.groups()
        typed = _NAMES.get(name)
        if typed is None or (params and not typed):
            return None
        prop = name.lower()
        if prop in _COUNTED:
            counts[prop] += 1
        if prop in DAV_PROPS:
            try:
                value = _value(name, raw)
            except Exception:  # noqa: BLE001 - Radicale's serialization would fail
                return None
            values.setdefault(prop, []).append(_Read(value))
    if any(count != 1 for count in counts.values()):
        return None
    uid = values["uid"][0].value
    if not uid:
        return None  # Radicale refuses a vCard without UID
    try:
        etag = radicale_item.get_etag(text)
    except UnicodeError:
        return None
    data = ItemData(text=text, uid=uid, etag=etag, name="VCARD", component="",
                    time_start=radicale_filter.TIMESTAMP_MIN,
                    time_end=radicale_filter.TIMESTAMP_MAX)
    return WrittenCard(data, ValuesView(values))


def _logical_lines(text: str) -> list[str] | None:
    """The unfolded lines (vobject's ``getLogicalLines``: a line that starts with a space
    or tab continues the one before); None for a lone CR or LF, or a line blank to
    vobject or Radicale (either would read the card otherwise)."""
    physical = text[:-2].split("\r\n")
    lines: list[str] = []
    for line in physical:
        if "\r" in line or "\n" in line or not line.rstrip():
            return None
        if line[0] in " \t":
            if not lines:
                return None
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _value(name: str, raw: str) -> Any:
    """``raw`` as the full path's tree holds it: read by vobject's vCard 3.0 behaviour
    for ``name``, then written and read again, as ``Item.prepare``'s serialization
    leaves every line of the tree (``"a,,"`` is read ``["a", ""]``, written ``"a,"``,
    read ``["a"]``). By the functions those behaviours call, looked up at call time
    (``vobject_text`` replaces them). Raises where that serialization raises."""
    vcard, ical = vobject.vcard, vobject.icalendar
    ical_escape: Any = getattr(ical, "backslashEscape")  # noqa: B009 - not in the stubs
    if name in _TEXT:
        module: Any = ical if name == "UID" else vcard
        once = module.stringToTextValues(raw)[0]
        return module.stringToTextValues(module.backslashEscape(once))[0]
    if name == "CATEGORIES":  # icalendar.MultiTextBehavior
        values = ical.stringToTextValues(raw, listSeparator=",")
        written = ",".join(ical_escape(value) for value in values)
        return ical.stringToTextValues(written, listSeparator=",")
    if name == "ORG":
        return vcard.splitFields(vcard.serializeFields(vcard.splitFields(raw)))
    kind, order = (vcard.Name, vcard.NAME_ORDER) if name == "N" \
        else (vcard.Address, vcard.ADDRESS_ORDER)
    once = kind(**dict(zip(order, vcard.splitFields(raw), strict=False)))
    again = vcard.splitFields(vcard.serializeFields(once, order))
    return kind(**dict(zip(order, again, strict=False)))
