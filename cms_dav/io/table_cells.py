"""What one cell of a contacts table (CSV, xlsx) holds: read and written in one place.

Export writes a cell and import reads it back through the same rules, so an
exported table imports unchanged:

- several values in one cell are joined with " ::: " (Google's convention);
  a line break also separates values on reading;
- a value may carry its type as a prefix, "work: ada@example.com", when every
  word of the prefix is a known type word or an ``x-`` extension;
- an address cell is "street; city; region; postal code; country" (a ';'
  inside a component is written as ',');
- a birthday is ISO (YYYY-MM-DD, or --MM-DD without a year); common local
  spellings are read too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from cms_dav.io.contact_record import Address

MULTI_SEPARATOR = " ::: "
TYPE_WORDS = {"home", "work", "cell", "mobile", "fax", "pager", "voice", "other", "main",
              "iphone", "text", "video", "pref", "internet", "car", "msg", "isdn", "bbs"}
_TYPE_PREFIX = re.compile(r"^([A-Za-z-]+(?:,[A-Za-z-]+)*):\s+(.+)$", re.S)
_TYPE_ALIASES = {"mobile": "cell", "business": "work", "personal": "home", "private": "home"}


def cell_text(value: object) -> str:
    """Cells from openpyxl may be numbers or dates; phones must not become '6.01e8'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def join_multi(values: Iterable[str]) -> str:
    return MULTI_SEPARATOR.join(values)


def split_multi(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*:::\s*|\n", text) if p.strip()]


def _is_type_prefix(words: list[str]) -> bool:
    return bool(words) and all(w.lower() in TYPE_WORDS or w.lower().startswith("x-") for w in words)


def typed_cell(kind: str, value: str) -> str:
    """'work: x' when ``kind`` reads back as a type prefix, else the bare value."""
    return f"{kind}: {value}" if _is_type_prefix([w for w in kind.split(",") if w]) else value


def split_typed(text: str) -> tuple[str, str]:
    """'work: x' -> ('work', 'x') when the prefix is made of known type words."""
    m = _TYPE_PREFIX.match(text)
    if m and _is_type_prefix(m.group(1).split(",")):
        return normalize_type(m.group(1)), m.group(2).strip()
    return "", text


def normalize_type(raw: str) -> str:
    words = [w.strip().lstrip("*").strip().lower() for w in re.split(r"[,;]| ::: ", raw)]
    return ",".join(_TYPE_ALIASES.get(w, w) for w in words if w)


def split_categories(text: str) -> list[str]:
    parts = split_multi(text) if ":::" in text else re.split(r"[;,]", text)
    out: list[str] = []
    for part in (p.strip() for p in parts):
        if part and not part.startswith("* ") and part not in out:  # Google system groups
            out.append(part)
    return out


def address_cell(adr: Address) -> str:
    parts = (adr.street, adr.locality, adr.region, adr.postal_code, adr.country)
    return "; ".join(p.replace(";", ",") for p in parts)


def parse_address_cell(text: str) -> Address:
    parts = [p.strip() for p in text.split(";")]
    if len(parts) == 1:
        return Address(street=parts[0])
    return Address(*(parts + [""] * 5)[:5])


def parse_birthday(text: str) -> str:
    """ISO date (or --MM-DD without year); raises ValueError on anything else."""
    t = text.strip()
    if t in ("", "0/0/00", "00.00.0000"):
        return ""
    patterns = [
        (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", "ymd"), (r"(\d{4})/(\d{1,2})/(\d{1,2})", "ymd"),
        (r"(\d{4})年(\d{1,2})月(\d{1,2})日", "ymd"), (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", "dmy"),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", "mdy"), (r"--(\d{1,2})-?(\d{1,2})", "md"),
    ]
    for pattern, order in patterns:
        m = re.fullmatch(pattern, t)
        if not m:
            continue
        parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
        year = parts.get("y", 2000)
        try:
            dt.date(year, parts["m"], parts["d"])
        except ValueError:
            raise ValueError(f"birthday {text!r} is not a real date") from None
        return f"{year:04d}-{parts['m']:02d}-{parts['d']:02d}" if "y" in parts \
            else f"--{parts['m']:02d}-{parts['d']:02d}"
    raise ValueError(f"unreadable birthday {text!r} (use YYYY-MM-DD)")
