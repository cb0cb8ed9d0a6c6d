"""Issue 12, part 1: every object of the third-party corpus (``../shared/corpus``, read at
run time) PUT to cms_dav is either accepted and read back byte-identical after CRLF
normalisation (when stored from the client's text: the PUT answered with an ETag), or
stored as Radicale changed it (answered without ETag), or refused with a 4xx that names
its reason; never a 5xx, never a bare "Bad Request".

Objects without any UID get one the way a client adds it: a ``UID:`` line right after
each ``BEGIN:`` of a VCARD/VEVENT/VTODO/VJOURNAL, in the file's own line ending.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.support.dav import make_addressbook, make_calendar

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
_OBJECT_BEGIN = re.compile(rb"^(BEGIN:(?:VCARD|VEVENT|VTODO|VJOURNAL))(\r?\n)",
                           re.IGNORECASE | re.MULTILINE)
_UID_LINE = re.compile(rb"^UID[;:]", re.IGNORECASE | re.MULTILINE)


def _crlf(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return "".join(line + "\r\n" for line in lines)


def _with_uid(body: bytes, object_id: str) -> bytes:
    if _UID_LINE.search(body):
        return body
    return _OBJECT_BEGIN.sub(rb"\1\2UID:corpus-" + object_id.encode() + rb"\2", body)


def _items() -> list[dict]:
    manifest = CORPUS / "manifest.json"
    if not manifest.is_file():
        pytest.fail(f"the shared corpus is missing: {CORPUS} (shared/ beside the checkout)")
    return json.loads(manifest.read_text())["items"]


def test_every_corpus_object_is_kept_or_refused_with_a_reason(server):
    alice: requests.Session = server.session("alice", "alice-pw")
    book, calendar = f"{server.url}/alice/book/", f"{server.url}/alice/cal/"
    make_addressbook(alice, book)
    make_calendar(alice, calendar)
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    for entry in _items():
        body = _with_uid((CORPUS / entry["file"]).read_bytes(), entry["id"])
        card = entry["kind"] == "vcard"
        url = (book + entry["id"] + ".vcf") if card else (calendar + entry["id"] + ".ics")
        response = alice.put(url, data=body, headers={
            "Content-Type": "text/vcard" if card else "text/calendar"})
        if response.status_code >= 500:
            problems.append(f"{entry['id']}: {response.status_code}")
        elif response.status_code >= 400:
            outcomes["refused"] += 1
            if response.text.strip() in ("", "Bad Request"):
                problems.append(f"{entry['id']}: {response.status_code} without a reason")
        elif "ETag" in response.headers:
            outcomes["stored as sent"] += 1
            stored = alice.get(url)
            try:
                sent = body.decode("utf-8")
            except UnicodeDecodeError:
                sent = body.decode("iso8859-1")
            if stored.text != _crlf(sent):
                problems.append(f"{entry['id']}: answered with ETag but stored other text")
            if stored.headers["ETag"] != response.headers["ETag"]:
                problems.append(f"{entry['id']}: PUT ETag differs from GET ETag")
        else:
            outcomes["stored as Radicale changed it"] += 1
            if alice.get(url).status_code != 200:
                problems.append(f"{entry['id']}: accepted but cannot be read back")
    print(dict(outcomes))
    assert not problems, problems
    assert outcomes["stored as sent"] > 0
