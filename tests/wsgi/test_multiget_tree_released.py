"""A multiget answered by the fast path does not keep its request's XML tree while the
answer streams (issue 19 target 7, server memory: the tree of a multiget of 100,000
hrefs is ~17 MB; the answer needs only the names taken from it)."""

from __future__ import annotations

import base64
import gc
import io
import weakref
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from cms_dav.app import build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.wsgi import parsed_xml
from tests.wsgi.test_fast_listing_differential import NAMESPACES, XML_HEAD, card
from tests.wsgi.wsgi_call import call

BOOK = "/alice/book/"
ALICE = ("alice", "alice-pw")


def test_the_request_tree_is_gone_once_the_fast_multiget_has_started_its_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    app = build_app(settings)
    try:
        stack = app.wsgi()
        mkcol = (f'{XML_HEAD}<d:mkcol {NAMESPACES}><d:set><d:prop><d:resourcetype>'
                 '<d:collection/><cr:addressbook/></d:resourcetype></d:prop></d:set>'
                 '</d:mkcol>').encode()
        assert call(stack, "MKCOL", BOOK, mkcol, {}, ALICE).status.startswith("201")
        names = [f"c{n}.vcf" for n in range(3)]
        for n, name in enumerate(names):
            assert call(stack, "PUT", BOOK + name, card(f"u{n}", f"Name {n}", "note"),
                        {"Content-Type": "text/vcard"}, ALICE).status.startswith("201")
        call(stack, "PROPFIND", "/alice/", b"", {"Depth": "0"}, ALICE)  # the login cache
        trees: list[weakref.ref[ET.Element]] = []
        remember = parsed_xml.remember

        def spy(environ: dict[str, Any], parsed: parsed_xml.ParsedXml) -> None:
            trees.append(weakref.ref(parsed.root))
            remember(environ, parsed)

        monkeypatch.setattr(parsed_xml, "remember", spy)
        hrefs = "".join(f"<d:href>{BOOK}{name}</d:href>" for name in names)
        body = (f'{XML_HEAD}<cr:addressbook-multiget {NAMESPACES}><d:prop><d:getetag/>'
                f'<cr:address-data/></d:prop>{hrefs}</cr:addressbook-multiget>').encode()
        token = base64.b64encode(b"alice:alice-pw").decode()
        environ = {"REQUEST_METHOD": "REPORT", "PATH_INFO": BOOK, "SCRIPT_NAME": "",
                   "QUERY_STRING": "", "wsgi.input": io.BytesIO(body),
                   "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/xml",
                   "HTTP_DEPTH": "1", "HTTP_AUTHORIZATION": f"Basic {token}",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                   "wsgi.url_scheme": "http", "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "HTTP_HOST": "localhost",
                   "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0),
                   "wsgi.multithread": True, "wsgi.multiprocess": False,
                   "wsgi.run_once": False}
        statuses: list[str] = []
        answer = stack(environ, lambda status, headers, exc=None: statuses.append(status))
        gc.collect()
        released = [tree() is None for tree in trees]
        data = b"".join(answer)
        getattr(answer, "close", lambda: None)()
        assert statuses == ["207 Multi-Status"]
        assert all(name.encode() in data for name in names)
        assert released == [True]
    finally:
        app.close()
