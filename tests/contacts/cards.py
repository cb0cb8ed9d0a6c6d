"""Small vCard builders for the contact tests."""

from __future__ import annotations


def card(*lines: str, version: str = "4.0", uid: str = "u-1", fn: str | None = "Test Person",
         eol: str = "\r\n") -> str:
    head = ["BEGIN:VCARD", f"VERSION:{version}"] + ([f"UID:{uid}"] if uid else [])
    if fn is not None:
        head.append(f"FN:{fn}")
    return eol.join(head + list(lines) + ["END:VCARD"]) + eol
