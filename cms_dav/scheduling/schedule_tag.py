"""Schedule-Tag of a scheduling object resource (RFC 6638 §3.2.10, §3.3).

A calendar object resource is a *scheduling object resource* when one of its VEVENT or
VTODO components has an ORGANIZER (RFC 6638 §3.1). Its Schedule-Tag must change when
the organizer changes the object and must stay the same when only attendee state
changes: an attendee's own PARTSTAT, or the server merging a reply into the
organizer's copy (§3.2.10, §3.3).

The server keeps no tag column: the tag is computed from the stored text, as the
SHA-256 of a canonical form of the object without what must not change it:

- ``PARTSTAT``, ``RSVP`` and ``SCHEDULE-STATUS`` parameters of ATTENDEE lines;
- ``SCHEDULE-STATUS``, ``SCHEDULE-AGENT`` and ``SCHEDULE-FORCE-SEND`` parameters of
  any line (server- and client-only scheduling controls, §7);
- the ``DTSTAMP``, ``LAST-MODIFIED``, ``TRANSP`` and ``PRODID`` properties (stamps,
  and what an attendee's client sets for itself) and ``VALARM`` components
  (each attendee's own alarms).

The canonical form unfolds lines, upper-cases names, sorts parameters and the lines
(and sub-components) of each component, so a re-serialisation of the same object
(the reply merge goes through vobject) keeps the tag. Any other change, e.g. the
organizer moving the meeting, changes it. Consequence of hashing: a change that is
undone gives the old tag back, which §3.2.10 allows (the tag is opaque; only
equality is compared).
"""

from __future__ import annotations

import hashlib

SCHEDULING_COMPONENTS = ("VEVENT", "VTODO")
_DROPPED_PROPERTIES = {"DTSTAMP", "LAST-MODIFIED", "TRANSP", "PRODID"}
_DROPPED_COMPONENTS = {"VALARM"}
_DROPPED_PARAMS = {"SCHEDULE-STATUS", "SCHEDULE-AGENT", "SCHEDULE-FORCE-SEND"}
_DROPPED_ATTENDEE_PARAMS = {"PARTSTAT", "RSVP"} | _DROPPED_PARAMS


def _unfolded(text: str) -> list[str]:
    """Content lines with folding undone (RFC 5545 §3.1)."""
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw.strip():
            lines.append(raw)
    return lines


def _split(line: str) -> tuple[str, list[tuple[str, str]], str]:
    """Name, parameters and value of a content line; quoted parameter values may hold
    ``;``, ``:`` and ``,`` (RFC 5545 §3.1)."""
    parts: list[str] = []
    current, quoted, value = "", False, ""
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append(current)
            current = ""
            continue
        elif char == ":" and not quoted:
            parts.append(current)
            value = line[index + 1:]
            break
        current += char
    else:
        parts.append(current)
    params = []
    for param in parts[1:]:
        key, _, param_value = param.partition("=")
        params.append((key.strip().upper(), param_value.replace('"', "")))
    return parts[0].strip().upper(), params, value


def _canonical_line(line: str) -> str | None:
    name, params, value = _split(line)
    if name in _DROPPED_PROPERTIES:
        return None
    dropped = _DROPPED_ATTENDEE_PARAMS if name == "ATTENDEE" else _DROPPED_PARAMS
    if name in ("ATTENDEE", "ORGANIZER"):
        value = value.lower()  # calendar user addresses compare without case
    kept = sorted(f"{key}={val}" for key, val in params if key not in dropped)
    return ";".join([name, *kept]) + ":" + value


def canonical(text: str) -> tuple[str, bool]:
    """The canonical form of ``text`` and whether a VEVENT/VTODO has an ORGANIZER."""
    # each open component: its name and the canonical pieces gathered so far
    stack: list[tuple[str, list[str]]] = [("", [])]
    skipping = 0
    organizer = False
    for line in _unfolded(text):
        name, _, value = _split(line)
        component = value.strip().upper()
        if name == "BEGIN":
            if skipping or component in _DROPPED_COMPONENTS:
                skipping += 1
            else:
                stack.append((component, []))
            continue
        if name == "END":
            if skipping:
                skipping -= 1
            elif len(stack) > 1:
                closed, pieces = stack.pop()
                stack[-1][1].append(f"BEGIN:{closed}\n" + "\n".join(sorted(pieces))
                                    + f"\nEND:{closed}")
            continue
        if skipping:
            continue
        if name == "ORGANIZER" and stack[-1][0] in SCHEDULING_COMPONENTS:
            organizer = True
        piece = _canonical_line(line)
        if piece is not None:
            stack[-1][1].append(piece)
    return "\n".join(sorted(stack[0][1])), organizer


def schedule_tag(text: str) -> str | None:
    """The quoted Schedule-Tag of a stored calendar object, or None when it is not a
    scheduling object resource (no ORGANIZER in a VEVENT/VTODO, RFC 6638 §3.1)."""
    form, organizer = canonical(text)
    if not organizer:
        return None
    return '"' + hashlib.sha256(form.encode("utf-8")).hexdigest()[:32] + '"'
