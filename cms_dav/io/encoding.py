"""Guess how an uploaded text file is encoded and how its columns are separated.

Spreadsheets and phone exports arrive as UTF-8 (with or without BOM), as
GB18030 from Chinese Windows, or as Windows-1250/1252 from Polish/Western
Excel.  Guessing wrong silently garbles names, so UTF-8 is tried strictly
first and only then is charset-normalizer asked to choose among the legacy
code pages we actually expect.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata

LEGACY_ENCODINGS = ("gb18030", "cp1250", "cp1252")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = (",", ";", "\t")
_NATIVE_LETTERS = {
    "cp1250": set("ąćęłńśźżĄĆĘŁŃŚŹŻčďěňřšťůžČĎĚŇŘŠŤŮŽőűŐŰ"),
    "cp1252": set("ñÑàèìòùÀÈÌÒÙâêîôûÂÊÎÔÛãõÃÕçÇßæøåÆØÅœŒ"),
}
_LATIN_GLUED_TO_HAN = re.compile(r"[A-Za-z][\u3400-\u9fff]|[\u3400-\u9fff][A-Za-z]")


class DecodeError(ValueError):
    """The bytes are in none of the encodings we accept."""


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name); the BOM, if any, is not part of the text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        raise DecodeError(
            "cannot detect the text encoding (tried UTF-8, "
            + ", ".join(LEGACY_ENCODINGS) + "); save the file as UTF-8"
        )
    text, name = str(best), _canonical(best.encoding)
    if name == "gb18030" and not _LATIN_GLUED_TO_HAN.search(text):
        return text, name
    # Short Polish words in cp1250 are often valid GB18030 too (real Chinese
    # does not glue Latin letters to Han characters), and charset-normalizer
    # cannot tell cp1250 from cp1252 on a few names: score the decodings.
    return _best_latin(data) or (text, name)


def _best_latin(data: bytes) -> tuple[str, str] | None:
    scored = []
    for name in ("cp1250", "cp1252"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        weird = sum(1 for ch in text if _is_weird(ch))
        native = sum(1 for ch in text if ch in _NATIVE_LETTERS[name])
        scored.append((native - 3 * weird, name == "cp1250", text, name))
    if not scored:
        return None
    _, _, text, name = max(scored)
    return text, name


def _is_weird(ch: str) -> bool:
    """Symbols that show up inside names only when the code page is wrong."""
    return ord(ch) > 127 and unicodedata.category(ch)[0] in "SNC" or ch in "¿¡¦"


def _canonical(name: str) -> str:
    return codecs.lookup(name).name


def sniff_delimiter(text: str) -> str:
    """Pick ',' ';' or tab by looking at the first lines (Polish Excel uses ';')."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","
