"""The sharing API's request body, checked before Radicale sees it.

Radicale's ``/.sharing/v1/`` handler trusts the shape of the JSON it parses (a number
where it expects a string ends in a 500 with a traceback). Every body is checked here:
known fields only, each of its type and bounded in size; a problem is a ``BadRequest``
whose message names the field and what is wrong (sent as a text/plain 400).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from radicale import rights
from radicale.sharing import (OVERLAY_PROPERTIES_WHITELIST_ICS, OVERLAY_PROPERTIES_WHITELIST_VCF,
                              TOKEN_PATTERN_V1)

#: a whole body; the web UI sends a few hundred bytes
MAX_BODY_BYTES = 64 * 1024
#: one field value
MAX_FIELD_CHARS = 4096
MAX_ENTRIES = 16
STRING_FIELDS = ("PathOrToken", "PathMapped", "User", "Permissions", "Conversion")
BOOL_FIELDS = ("Enabled", "Hidden")
DICT_FIELDS = ("Properties", "Actions")
KNOWN_FIELDS = frozenset(STRING_FIELDS + BOOL_FIELDS + DICT_FIELDS)
PROPERTIES = (frozenset(OVERLAY_PROPERTIES_WHITELIST_ICS)
              | frozenset(OVERLAY_PROPERTIES_WHITELIST_VCF))
SHARE_TYPES = ("map", "token", "all")
ACTIONS = ("list", "create", "delete", "update", "hide", "unhide", "enable", "disable", "info")
_CALL = re.compile(r"^/\.sharing/v1/([a-z]+)/([a-z]+)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN_PATH = re.compile(r"^/\.token/" + TOKEN_PATTERN_V1 + "/$")


class BadRequest(ValueError):
    """A malformed sharing request; ``status`` is 400 or 413."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SharingRequest:
    share_type: str
    action: str
    data: dict[str, Any]
    body: bytes


def call_of(path: str) -> tuple[str, str] | None:
    """``/.sharing/v1/map/create`` -> ("map", "create"); None for anything else."""
    match = _CALL.match(path)
    if not match or match[1] not in SHARE_TYPES or match[2] not in ACTIONS:
        return None
    return match[1], match[2]


def content_length(raw: str | None) -> int:
    """RFC 9110 §8.6: 1*DIGIT, nothing else."""
    if raw is None or raw == "":
        return 0
    if not raw.isdigit() or not raw.isascii():
        raise BadRequest(f"Content-Length {raw[:40]!r} is not a whole number of bytes")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise BadRequest(f"the body has {length} bytes; the sharing API accepts at most "
                         f"{MAX_BODY_BYTES}", status=413)
    return length


def parse(share_type: str, action: str, content_type: str, body: bytes) -> SharingRequest:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8 (byte {exc.start})") from None
    if "application/json" in content_type:
        data = _json(text)
    elif "application/x-www-form-urlencoded" in content_type:
        data = _form(text)
    else:
        raise BadRequest("Content-Type must be application/json or "
                         "application/x-www-form-urlencoded")
    for key, value in data.items():
        _check_field(share_type, key, value)
    return SharingRequest(share_type, action, data, body)


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"the JSON body must be an object, not {type(data).__name__}")
    return data


def _form(text: str) -> dict[str, Any]:
    try:
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text),
                          max_num_fields=2 * len(KNOWN_FIELDS) + MAX_ENTRIES)
    except ValueError as exc:
        raise BadRequest(f"the form body is malformed: {exc}") from None
    data: dict[str, Any] = {}
    for key, values in parsed.items():
        if key == "Properties":
            properties = {}
            for entry in values:
                if entry == "":
                    continue
                name, sep, value = entry.partition("=")
                if not sep or not name or not value or "=" in value:
                    raise BadRequest(f"field Properties: {entry[:60]!r} is not NAME=VALUE")
                properties[name.strip("\"'")] = value.strip("\"'")
            data[key] = properties
            continue
        if len(values) != 1:
            raise BadRequest(f"field {key[:60]!r}: given {len(values)} times")
        value = values[0]
        if key in BOOL_FIELDS:
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise BadRequest(f"field {key}: {value[:60]!r} is not true or false")
            data[key] = lowered in ("true", "1", "yes", "on")
        elif key in DICT_FIELDS:
            raise BadRequest(f"field {key}: not supported in a form body, send JSON")
        else:
            data[key] = value
    return data


def _check_string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"field {key}: expected a string, got {_kind(value)}")
    if len(value) > MAX_FIELD_CHARS:
        raise BadRequest(f"field {key}: {len(value)} characters, at most {MAX_FIELD_CHARS}")
    if _CONTROL.search(value):
        raise BadRequest(f"field {key}: contains a control character")
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _check_field(share_type: str, key: str, value: Any) -> None:
    if key not in KNOWN_FIELDS:
        raise BadRequest(f"unknown field {key[:60]!r}; known fields: "
                         f"{', '.join(sorted(KNOWN_FIELDS))}")
    if key in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise BadRequest(f"field {key}: expected true or false, got {_kind(value)}")
        return
    if key in DICT_FIELDS:
        _check_dict(key, value)
        return
    text = _check_string(key, value)
    if key == "Permissions":
        bad = sorted(set(text) - set(rights.INTERNAL_PERMISSIONS))
        if bad or len(text) > 32:
            raise BadRequest(f"field Permissions: {''.join(bad)!r} is not a permission letter "
                             f"(letters: {rights.INTERNAL_PERMISSIONS})" if bad else
                             "field Permissions: too long")
    elif key in ("PathOrToken", "PathMapped"):
        if key == "PathOrToken" and share_type == "token":
            if not _TOKEN_PATH.match(text):
                raise BadRequest("field PathOrToken: not a link path /.token/v1/<token>/")
        elif not text.startswith("/") or not text.endswith("/") or "//" in text \
                or any(part in (".", "..") for part in text.split("/")):
            raise BadRequest(f"field {key}: {text[:80]!r} is not a collection path "
                             "like /alice/contacts/")
    elif key == "User":
        if not text or text.strip() != text or "/" in text:
            raise BadRequest(f"field User: {text[:80]!r} is not a user or :group name")


def _check_dict(key: str, value: Any) -> None:
    if not isinstance(value, dict):  # null too: Radicale iterates it (send {} to clear)
        raise BadRequest(f"field {key}: expected an object, got {_kind(value)}")
    if len(value) > MAX_ENTRIES:
        raise BadRequest(f"field {key}: {len(value)} entries, at most {MAX_ENTRIES}")
    for name, inner in value.items():
        _check_string(f"{key} name", name)
        if key == "Properties":
            if name not in PROPERTIES:
                raise BadRequest(f"field Properties: {name[:60]!r} cannot be overlaid; "
                                 f"supported: {', '.join(sorted(PROPERTIES))}")
            _check_string(f"Properties.{name}", inner)
            continue
        if not isinstance(inner, dict) or len(inner) > MAX_ENTRIES:
            raise BadRequest(f"field Actions.{name[:40]}: expected an object of at most "
                             f"{MAX_ENTRIES} entries")
        for option, setting in inner.items():
            _check_string(f"Actions.{name[:40]} name", option)
            if isinstance(setting, bool) or not isinstance(setting, (str, int)):
                raise BadRequest(f"field Actions.{name[:40]}.{option[:40]}: expected a "
                                 f"string or a number, got {_kind(setting)}")
            if isinstance(setting, str):
                _check_string(f"Actions.{name[:40]}.{option[:40]}", setting)
            elif not -10**6 <= setting <= 10**6:
                raise BadRequest(f"field Actions.{name[:40]}.{option[:40]}: out of range")
