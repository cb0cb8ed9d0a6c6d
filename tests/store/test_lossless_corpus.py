"""Issue 12: every object of the third-party corpus (``../shared/corpus``, read at run
time) PUT to cms_dav is either accepted and read back byte-identical after CRLF
normalisation (when stored from the client's text: the PUT answered with an ETag), or
stored as Radicale changed it (answered without ETag), or refused with a 4xx that names
its reason; never a 5xx, never a bare "Bad Request". And cms_dav refuses no object that
stock Radicale 3.9 accepts (its decisions are recorded as data by
:mod:`tests.store.record_radicale_decisions`), except those listed below with the RFC or
security limit that refuses them.

Objects without any UID get one the way a client adds it (:mod:`tests.store.corpus_objects`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.store.corpus_objects import CorpusObject, collection_for, corpus_objects
from tests.store.record_radicale_decisions import DECISIONS
from tests.support.server import ServerProcess

#: corpus objects stock Radicale accepts and cms_dav refuses, each with the RFC section
#: or security limit that makes the refusal right (empty: cms_dav refuses nothing more)
REFUSED_THOUGH_RADICALE_ACCEPTS: dict[str, str] = {}


def _crlf(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return "".join(line + "\r\n" for line in lines)


def _sent_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("iso8859-1")


@dataclass(frozen=True)
class Outcome:
    """What cms_dav answered to the PUT of one corpus object, and what GET gave back."""
    item: CorpusObject
    status: int
    reason: str
    etag: str | None
    stored: str | None
    stored_etag: str | None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """Every corpus object PUT once, each into its own collection of one fresh cms_dav
    (SQLite), by object id."""
    data_dir = tmp_path_factory.mktemp("corpus")
    config = data_dir / "cms-dav.conf"
    config.write_text("[limits]\nmax_collections_per_user = 1000\n", encoding="utf-8")
    server = ServerProcess(data_dir=data_dir, config=config)
    server.add_user("alice", "alice-pw")
    server.start()
    try:
        alice = server.session("alice", "alice-pw")
        found: dict[str, Outcome] = {}
        for item in corpus_objects():
            url = collection_for(alice, server.url, item) + item.name
            response = alice.put(url, data=item.body,
                                 headers={"Content-Type": item.content_type})
            stored = alice.get(url) if response.status_code < 300 else None
            found[item.id] = Outcome(
                item, response.status_code, response.text if response.status_code >= 400
                else "", response.headers.get("ETag"),
                stored.text if stored is not None and stored.status_code == 200 else None,
                stored.headers.get("ETag") if stored is not None else None)
        counts = Counter("refused" if not o.accepted else "stored as sent" if o.etag
                         else "stored as Radicale changed it" for o in found.values())
        print(dict(counts))
        yield found
    finally:
        server.stop()


def _radicale_decisions() -> dict[str, dict[str, object]]:
    decisions: dict[str, dict[str, object]] = json.loads(Path(DECISIONS).read_text())[
        "decisions"]
    return decisions


def test_no_corpus_object_gets_a_5xx(outcomes):
    assert [f"{o.item.id}: {o.status}" for o in outcomes.values() if o.status >= 500] == []


def test_every_corpus_refusal_names_its_reason(outcomes):
    bare = [f"{o.item.id}: {o.status}" for o in outcomes.values()
            if 400 <= o.status < 500 and o.reason.strip() in ("", "Bad Request")]
    assert bare == []


def test_corpus_objects_answered_with_an_etag_read_back_byte_identical(outcomes):
    kept = [o for o in outcomes.values() if o.accepted and o.etag]
    assert kept, "no corpus object was stored as sent"
    assert [o.item.id for o in kept if o.stored != _crlf(_sent_text(o.item.body))] == []
    assert [o.item.id for o in kept if o.stored_etag != o.etag] == []


def test_every_accepted_corpus_object_can_be_read_back(outcomes):
    assert [o.item.id for o in outcomes.values() if o.accepted and o.stored is None] == []


def test_radicale_decisions_cover_the_whole_corpus():
    assert set(_radicale_decisions()) == {item.id for item in corpus_objects()}


def test_no_corpus_object_radicale_accepts_is_refused_unless_listed_with_its_reason(outcomes):
    decisions = _radicale_decisions()
    refused = {object_id: f"{o.status} {o.reason[:200]}" for object_id, o in outcomes.items()
               if not o.accepted and decisions[object_id]["accepted"]
               and object_id not in REFUSED_THOUGH_RADICALE_ACCEPTS}
    assert refused == {}

