"""Split a .vcf file into single cards, each kept as the file has it (issue 12).

Each card is reported on its own so a broken card never hides the good ones.
A card keeps its own lines, folding included (CRLF line ends), with two additions
only, each one inserted line: a UID derived from its content when it has none
(importing the same file twice is then an update, not a duplicate) and an FN made
from N/ORG/EMAIL/TEL when the card lacks one (RFC 6350 §6.2.1). A vCard 2.1 card
with QUOTED-PRINTABLE or CHARSET= values must change: it is rewritten as vCard 3.0
(:mod:`cms_dav.io.vcard21`), as before; when vobject cannot read that rewrite but can
read the card as written, the card is kept as written (as a PUT of it stores it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import vobject

from cms_dav.contacts.vcard_lines import (
    CRLF, ContentLine, escape, parse_line, render, structured,
    unfold_numbered as unfold,
)
from cms_dav.io.content_uid import content_urn
from cms_dav.io.encoding import decode_bytes
from cms_dav.io.object_check import unreadable_line
from cms_dav.io.vcard21 import join_qp_soft_breaks, upgrade_line


@dataclass
class CardResult:
    """One card of the file: ``text`` when usable, else ``error`` says why."""

    index: int          # 1-based position of the card in the file
    line: int           # physical line where its BEGIN:VCARD is
    text: str | None = None
    uid: str | None = None
    error: str | None = None


def split_vcards(data: bytes | str) -> Iterator[CardResult]:
    """Yield every card of a .vcf, normalized, or with the reason it was rejected."""
    text = (decode_bytes(data)[0] if isinstance(data, bytes) else data).lstrip("\ufeff")
    physical = re.split(r"\r\n|\n|\r", text)  # numbered as unfold_numbered numbers them
    logical = join_qp_soft_breaks(unfold(text))
    index, start = 0, 0
    body: list[str] | None = None
    for number, raw in logical:
        upper = raw.strip().upper()
        if upper == "BEGIN:VCARD":
            if body is not None:
                yield CardResult(index, start,
                                 error="card has no END:VCARD before the next BEGIN:VCARD")
            index, start, body = index + 1, number, []
        elif upper == "END:VCARD" and body is not None:
            yield _normalize(index, start, body, physical[start - 1:number])
            body = None
        elif body is not None:
            body.append(raw)
        else:
            yield CardResult(index + 1, number,
                             error=f"line {number} is outside any BEGIN:VCARD/END:VCARD")
    if body is not None:
        yield CardResult(index, start, error="card is cut off: END:VCARD missing at end of file")


def _normalize(index: int, start: int, body: list[str], physical: list[str]) -> CardResult:
    try:
        lines = [parse_line(raw) for raw in body]
    except ValueError as exc:
        return CardResult(index, start, error=str(exc))
    version = next((ln.value.strip() for ln in lines if ln.name == "VERSION"), None)
    keep = version in (None, "3.0", "4.0") or version == "2.1" and not any(
        ln.param("ENCODING") and ln.param("ENCODING")[0].upper() == "QUOTED-PRINTABLE"
        or ln.param("CHARSET") for ln in lines)
    version = version or "3.0"
    upgraded = version == "2.1" and not keep
    if upgraded:
        lines = [upgrade_line(ln) for ln in lines]
        version = "3.0"
    if version not in ("3.0", "4.0") and not keep:
        return CardResult(index, start, error=f"unsupported vCard VERSION {version!r}")
    lines = [ln for ln in lines if ln.name not in ("VERSION", "BEGIN", "END")]
    added: list[ContentLine] = []
    if not any(ln.name == "FN" and ln.value.strip() for ln in lines):
        fn = _fallback_fn(lines)
        if fn:
            lines = [ln for ln in lines if ln.name != "FN"] + [ContentLine("FN", escape(fn))]
            added.append(lines[-1])
        elif not (keep and version == "2.1"):  # FN is optional in vCard 2.1, as a PUT takes it
            return CardResult(index, start, error="card has no name: no FN, N, ORG, EMAIL or TEL")
    uid = next((ln.value.strip() for ln in lines if ln.name == "UID" and ln.value.strip()), None)
    if uid is None:
        lines = [ln for ln in lines if ln.name != "UID"]
        uid = content_urn(render(lines))
        lines.insert(0, ContentLine("UID", uid))
        added.insert(0, lines[0])
    raw = _as_written(physical, render(added))
    texts = [raw] if keep else [render([ContentLine("BEGIN", "VCARD"),
                                        ContentLine("VERSION", version), *lines,
                                        ContentLine("END", "VCARD")])]
    if not keep and upgraded:
        texts.append(raw)  # the 3.0 rewrite does not parse: the card as written may
    problem = None
    for text in texts:
        problem = _unreadable(text)
        if problem is None:
            return CardResult(index, start, text=text, uid=uid)
    return CardResult(index, start, uid=uid, error=f"card is not valid vCard: {problem}")


def _unreadable(text: str) -> str | None:
    """Why vobject (as Radicale calls it) cannot read the card, or None."""
    unreadable = unreadable_line(text)  # before vobject: its regex can backtrack for minutes
    if unreadable is not None:
        return unreadable.message
    try:
        vobject.readOne(text)
    except Exception as exc:  # noqa: BLE001 - vobject raises many types; Radicale rejects all
        return str(exc)
    return None


def _as_written(physical: list[str], added: str) -> str:
    """The card's own physical lines (CRLF, blank lines left out) with ``added`` after
    its VERSION line (after BEGIN when it has none). A UID or FN line the card had empty
    stays (both are then there; vobject and the contacts layer read the first non-empty
    one)."""
    kept = [line for line in physical if line.strip() or line[:1] in (" ", "\t")]
    names = [line.split(":", 1)[0].strip().upper() for line in kept]
    after = names.index("VERSION") if "VERSION" in names else 0
    out = [line + CRLF for line in kept]
    out.insert(after + 1, added)
    return "".join(out)


def _fallback_fn(lines: list[ContentLine]) -> str:
    by_name = {ln.name: ln.value for ln in reversed(lines)}
    if "N" in by_name:
        parts = structured(by_name["N"]) + ["", ""]
        name = " ".join(p.strip() for p in (parts[1], parts[0]) if p.strip())
        if name:
            return name
    if "ORG" in by_name:
        org = " ".join(p for p in structured(by_name["ORG"]) if p).strip()
        if org:
            return org
    return (by_name.get("EMAIL") or by_name.get("TEL") or "").strip()
