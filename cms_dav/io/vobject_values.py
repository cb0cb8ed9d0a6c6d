"""Valid values vobject 0.9.9 reads but cannot write back, so Radicale refuses them.

Radicale checks an upload by parsing it with vobject and serializing it again
(``Item.prepare``); whatever vobject cannot write back is answered 400, although the
RFCs allow it. The client's bytes are stored either way
(:func:`cms_dav.io.stored_items.item_data_from_upload`); these replacements only make
vobject's writer complete, so the check passes:

- ``RDATE;VALUE=PERIOD`` / ``EXDATE`` period lists (RFC 5545 §3.3.9, §3.8.5.2): vobject
  parses them into ``(start, end)`` / ``(start, duration)`` tuples, then fails on them
  ("Fixme: handle PERIOD case"), and Radicale's ``vobject_supports_period()`` refuses
  every PERIOD. With the writer fixed that probe passes too.
  vobject's recurrence set also skips PERIOD RDATEs ("ignore RDATEs with PERIOD values
  for now") and then leaves out DTSTART too, so such an event had no occurrence at all
  and no time-range query found it. Each period's start is an occurrence start
  (RFC 5545 §3.8.5.2); it is now in the set. (Radicale gives every occurrence the
  event's own duration, also for a period of another length.)
- vCard 2.1 ``ENCODING=BASE64`` (vCard 2.1 §2.1.3, the spelling of 2.1 and Apple's
  ``BASE64`` singleton): read as base64, written only for ``ENCODING=b``; the bytes
  then reach the text escaper and fail.
- vCard 2.1 ``ENCODING=7BIT`` / ``8BIT`` (vCard 2.1 §2.1.3: plain text): vobject
  base64-decodes any value with an ENCODING parameter and fails.
- vCard 2.1 without FN (vCard 2.1 §2.1.1: FN is optional; RFC 2426 §3.1.1 / RFC 6350
  §6.2.1 require it only from 3.0 on): vobject validates every vCard as 3.0.

The installers and their shape checks are in :mod:`cms_dav.radicale_compat.patches`.
"""

from __future__ import annotations

import codecs
import datetime
from typing import Any, Callable

import vobject.base
import vobject.icalendar
import vobject.vcard

from cms_dav import radicale_compat

#: ENCODING values of vCard 2.1 that mean "the value is plain text"
PLAIN_ENCODINGS = ("7BIT", "8BIT")


def _encoding(line: Any) -> str:
    return str(getattr(line, "encoding_param", "") or "").upper()


def _period_writer(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def transformFromNative(obj: Any) -> Any:
        if not (obj.isNative and obj.value
                and any(isinstance(value, tuple) for value in obj.value)):
            return original(obj)
        obj.isNative = False
        texts = []
        for value in obj.value:
            start = value[0] if isinstance(value, tuple) else value
            if "TZID" not in obj.params and isinstance(start, datetime.datetime):
                tzid = vobject.icalendar.TimezoneComponent.registerTzinfo(start.tzinfo)
                if tzid is not None:
                    obj.tzid_param = tzid
            texts.append(vobject.icalendar.periodToString(value) if isinstance(value, tuple)
                         else vobject.icalendar.dateTimeToString(value))
        obj.value = ",".join(texts)
        return obj
    transformFromNative.__doc__ = original.__doc__
    return transformFromNative


def _period_starts(original: Callable[..., Any]) -> Callable[..., Any]:
    def getrruleset(self: Any, addRDate: bool = False) -> Any:
        periods = [(line, line.value) for line in self.contents.get("rdate", ())
                   if line.isNative and isinstance(line.value, list)
                   and any(isinstance(value, tuple) for value in line.value)]
        try:
            for line, values in periods:
                line.value = [value[0] if isinstance(value, tuple) else value
                              for value in values]
            return original(self, addRDate)
        finally:
            for line, values in periods:
                line.value = values
    getrruleset.__doc__ = original.__doc__
    return getrruleset


def _vcard21_encode(original: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def encode(cls: Any, line: Any) -> Any:
        if not line.encoded and isinstance(line.value, bytes) and _encoding(line) == "BASE64":
            line.value = codecs.encode(line.value, "base64").decode("ascii").replace("\n", "")
            line.encoded = True
            return None
        return original.__func__(cls, line)  # type: ignore[attr-defined]  # a classmethod
    return encode


def _vcard21_decode(original: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def decode(cls: Any, line: Any) -> Any:
        if line.encoded and _encoding(line) in PLAIN_ENCODINGS:
            line.value = vobject.icalendar.stringToTextValues(line.value)[0]
            line.encoded = False
            return None
        return original.__func__(cls, line)  # type: ignore[attr-defined]  # a classmethod
    return decode


def _vcard21_validate(original: Callable[..., bool]) -> Callable[..., bool]:
    vcard21 = type("VCard2_1", (vobject.vcard.VCard3_0,), {
        "knownChildren": {**vobject.vcard.VCard3_0.knownChildren, "FN": (0, None, None)}})

    def validate(cls: Any, obj: Any, raiseException: bool = False,
                 complainUnrecognized: bool = False) -> bool:
        function = original.__func__  # type: ignore[attr-defined]  # a classmethod
        if isinstance(obj, vobject.base.Component) and _version(obj) == "2.1":
            return bool(function(vcard21, obj, raiseException, complainUnrecognized))
        return bool(function(cls, obj, raiseException, complainUnrecognized))
    return validate


def _version(card: Any) -> str:
    versions = card.contents.get("version", [])
    return str(versions[0].value).strip() if versions else ""


def install() -> None:
    """Complete vobject's writer as described above, once per process."""
    radicale_compat.replace_vobject_value_writers(
        period=_period_writer, recurrence=_period_starts, encode=_vcard21_encode,
        decode=_vcard21_decode, validate=_vcard21_validate)
