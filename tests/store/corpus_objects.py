"""The third-party corpus (``../shared/corpus``, read at run time) as a client would PUT it.

Objects without any UID get one the way a client adds it: a ``UID:`` line right after
each ``BEGIN:`` of a VCARD/VEVENT/VTODO/VJOURNAL, in the file's own line ending. The
corpus test and :mod:`tests.store.record_radicale_decisions` use the same rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.dav import make_addressbook, make_calendar

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
_OBJECT_BEGIN = re.compile(rb"^(BEGIN:(?:VCARD|VEVENT|VTODO|VJOURNAL))(\r?\n)",
                           re.IGNORECASE | re.MULTILINE)
_UID_LINE = re.compile(rb"^UID[;:]", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class CorpusObject:
    """One corpus object: its id, whether it is a vCard, and the body a client PUTs."""
    id: str
    card: bool
    body: bytes

    @property
    def name(self) -> str:
        return self.id + (".vcf" if self.card else ".ics")

    @property
    def content_type(self) -> str:
        return "text/vcard" if self.card else "text/calendar"


def with_uid(body: bytes, object_id: str) -> bytes:
    """``body`` with a ``UID:corpus-<id>`` line after each BEGIN when it has no UID."""
    if _UID_LINE.search(body):
        return body
    return _OBJECT_BEGIN.sub(rb"\1\2UID:corpus-" + object_id.encode() + rb"\2", body)


def corpus_objects() -> list[CorpusObject]:
    """Every object of the manifest, in order; AssertionError when the corpus is missing."""
    manifest = CORPUS / "manifest.json"
    assert manifest.is_file(), f"the shared corpus is missing: {CORPUS} (shared/ beside " \
                               "the checkout)"
    return [CorpusObject(entry["id"], entry["kind"] == "vcard",
                         with_uid((CORPUS / entry["file"]).read_bytes(), entry["id"]))
            for entry in json.loads(manifest.read_text())["items"]]


def collection_for(session: requests.Session, base_url: str, item: CorpusObject) -> str:
    """A fresh address book or calendar of ``session``'s user alice, for ``item`` alone
    (so objects sharing a UID do not conflict); its URL, ending in a slash."""
    url = f"{base_url}/alice/{item.id}/"
    (make_addressbook if item.card else make_calendar)(session, url)
    return url
