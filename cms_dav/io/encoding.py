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

from charset_normalizer import from_bytes

LEGACY_ENCODINGS = ("gb18030", "cp1250", "cp1252")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = (",", ";", "\t")
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
    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        raise DecodeError(
            "cannot detect the text encoding (tried UTF-8, "
            + ", ".join(LEGACY_ENCODINGS) + "); save the file as UTF-8"
        )
    text, name = str(best), _canonical(best.encoding)
    if name == "gb18030" and _LATIN_GLUED_TO_HAN.search(text):
        # Short Polish words in cp1250 are often also valid GB18030; real
        # Chinese text does not glue Latin letters to Han characters.
        try:
            return data.decode("cp1250"), "cp1250"
        except UnicodeDecodeError:
            pass
    return text, name


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
