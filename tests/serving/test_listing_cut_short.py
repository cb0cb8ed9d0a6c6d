"""A database failure in the middle of a streamed listing never looks like a whole answer.

The fast listing (cms_dav.wsgi.fast_listing) sends its 207 before it has read every
item. Its store here is wrapped so that its read transactions fail after a chosen
number: the database gone between two pages of the listing. The whole production WSGI
stack (``App.wrap``) runs behind cms_dav's own HTTP front, over real HTTP:

- failing on the first read: nothing was sent yet, so Radicale answers the request,
  completely;
- failing later: the answer ends without ``</multistatus>`` (invalid XML) and the front
  closes the connection without the last chunk (HTTP/1.1), or at an XML-invalid point
  (HTTP/1.0, where closing is the framing).
"""

from __future__ import annotations

import dataclasses
import socket
import sqlite3
import zlib
from pathlib import Path
from typing import Any, Iterator
from xml.etree import ElementTree as ET

import pytest
from radicale.app import Application
from sqlalchemy.exc import OperationalError

from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.app import build_app
from cms_dav.store.store import Store
from cms_dav.wsgi.fast_listing import FastListingMiddleware
from cms_dav.wsgi.multistatus_stream import CHUNK_BYTES
from tests.serving.inprocess_front import InProcessFront
from tests.serving.rawhttp import Reader, basic, connect, head
from tests.support.dav import vcard
from tests.wsgi.wsgi_call import call

CARDS = 1500  # more than one page (1000 rows) of a PROPFIND, three batches of a sync
PROPFIND = (b'<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><getetag/>'
            b'</prop></propfind>')
SYNC = (b'<?xml version="1.0" encoding="utf-8"?><sync-collection xmlns="DAV:" '
        b'xmlns:CR="urn:ietf:params:xml:ns:carddav"><sync-token/><sync-level>1</sync-level>'
        b'<prop><getetag/><CR:address-data/></prop></sync-collection>')
REQUESTS = {"propfind": ("PROPFIND", PROPFIND, {"Depth": "1"}), "sync": ("REPORT", SYNC, {})}


#: reads of a whole-collection listing before its second page: the listing of the
#: row ids and the first page (cms_dav.store.listing.rows_in_storage_order, scanned)
BEFORE_THE_SECOND_PAGE = 2


class FailingReads:
    """The store, except that its read transactions, and the pooled DBAPI connections
    the listing reads on (``engine.raw_connection``), fail after the first ``healthy``
    ones (counted from :meth:`fail_after`), as when the database goes away."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.healthy: int | None = None
        self.reads = 0
        self.engine = FailingEngine(store.engine, self)

    def fail_after(self, healthy: int | None) -> None:
        self.healthy, self.reads = healthy, 0

    def count_read(self) -> None:
        self.reads += 1
        if self.healthy is not None and self.reads > self.healthy:
            raise OperationalError("SELECT ... FROM items", None,
                                   sqlite3.OperationalError("disk I/O error"))

    def reading(self) -> Any:
        self.count_read()
        return self._store.reading()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class FailingEngine:
    """The store's engine, whose raw connections count as reads of ``reads``."""

    def __init__(self, engine: Any, reads: FailingReads) -> None:
        self._engine = engine
        self._reads = reads

    def raw_connection(self) -> Any:
        self._reads.count_read()
        return self._engine.raw_connection()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


@dataclasses.dataclass
class Setup:
    front: InProcessFront
    store: FailingReads


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data_dir: Path = tmp_path_factory.mktemp("cut-short")
    settings = load_settings(data_dir=data_dir)
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    # the production stack around it; its own fast layer is off, so ours answers
    built = build_app(dataclasses.replace(settings, fast_listing=False))
    store = FailingReads(built.store)
    fast = FastListingMiddleware(Application(built.radicale_configuration()), settings,
                                 store, built.policy)  # type: ignore[arg-type]  # a stand-in
    app = built.wrap(fast)
    cards = "".join(vcard(f"uid-{n}", f"Zoë & <Co> {n}", f"NOTE:card {n} of {CARDS}\r\n")
                    for n in range(CARDS))
    answer = call(app, "PUT", "/alice/contacts/", cards.encode(),
                  {"Content-Type": "text/vcard; charset=utf-8"})
    assert answer.code in (201, 204), answer
    with InProcessFront(app) as front:
        yield Setup(front, store)


def send(setup: Setup, kind: str, version: str = "HTTP/1.1", gzip: bool = False
         ) -> socket.socket:
    method, body, extra = REQUESTS[kind]
    headers = {"Authorization": basic("alice", "alice-pw"), "Content-Length": str(len(body)),
               "Content-Type": "application/xml; charset=utf-8", **extra}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    sock = connect(setup.front)  # type: ignore[arg-type]
    sock.sendall(head(method, "/alice/contacts/", headers, version) + body)
    return sock


def well_formed(body: bytes) -> bool:
    try:
        ET.fromstring(body)
    except ET.ParseError:
        return False
    return True


def read_cut_chunked(reader: Reader) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the body bytes that arrived before the connection closed
    inside the chunked body; fails if the body ends properly."""
    answer = reader.response(head_only=True)
    assert answer.headers.get("transfer-encoding") == "chunked"
    body = b""
    with pytest.raises(ConnectionError):
        while True:
            size = int(reader._line().split(b";")[0], 16)
            assert size, "the last chunk was sent: the answer looks complete"
            while len(reader.buffer) < size + 2:
                if not reader._fill():
                    body += reader.buffer
                    raise ConnectionError("closed inside a chunk")
            body += reader.buffer[:size]
            reader.buffer = reader.buffer[size + 2:]
    return answer.status, answer.headers, body


@pytest.mark.parametrize("kind", ["propfind", "sync"])
def test_a_failure_mid_stream_leaves_a_chunked_answer_unfinished_and_closes(
        setup: Setup, kind: str):
    setup.store.fail_after(BEFORE_THE_SECOND_PAGE)
    with send(setup, kind) as sock:
        status, _, body = read_cut_chunked(Reader(sock))
    assert status == 207
    assert len(body) >= CHUNK_BYTES, "the failure came before anything was sent"
    assert not body.endswith(b"</multistatus>") and not well_formed(body)


def test_a_failure_mid_stream_over_http_1_0_ends_in_invalid_xml(setup: Setup):
    """HTTP/1.0 has no chunks: the end of the connection is the end of the body, so the
    XML itself must show the answer is unfinished."""
    setup.store.fail_after(BEFORE_THE_SECOND_PAGE)
    with send(setup, "propfind", version="HTTP/1.0") as sock:
        answer = Reader(sock).response()
    assert answer.status == 207 and "content-length" not in answer.headers
    assert len(answer.body) >= CHUNK_BYTES
    assert not answer.body.endswith(b"</multistatus>") and not well_formed(answer.body)


def test_a_failure_mid_stream_leaves_a_gzip_answer_without_its_end(setup: Setup):
    setup.store.fail_after(BEFORE_THE_SECOND_PAGE)
    with send(setup, "sync", gzip=True) as sock:
        status, headers, body = read_cut_chunked(Reader(sock))
    assert status == 207 and headers.get("content-encoding") == "gzip"
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    text = inflater.decompress(body)
    assert not inflater.eof, "the gzip stream is complete"
    assert not well_formed(text)  # deflate may not have emitted any of it yet


@pytest.mark.parametrize("kind", ["propfind", "sync"])
def test_a_failure_on_the_first_read_leaves_the_whole_answer_to_radicale(
        setup: Setup, kind: str):
    setup.store.fail_after(0)
    with send(setup, kind) as sock:
        answer = Reader(sock).response()
    assert answer.status == 207 and "content-length" in answer.headers  # Radicale's
    responses = ET.fromstring(answer.body).findall("{DAV:}response")
    assert len(responses) == CARDS + (1 if kind == "propfind" else 0)


@pytest.mark.parametrize("kind", ["propfind", "sync"])
def test_without_a_failure_the_same_request_is_streamed_whole(setup: Setup, kind: str):
    """The counterpart of the tests above: the set-up really streams."""
    setup.store.fail_after(None)
    with send(setup, kind) as sock:
        answer = Reader(sock).response()
    assert answer.status == 207 and answer.headers.get("transfer-encoding") == "chunked"
    responses = ET.fromstring(answer.body).findall("{DAV:}response")
    assert len(responses) == CARDS + (1 if kind == "propfind" else 0)
