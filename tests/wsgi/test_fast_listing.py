"""The streamed listings say exactly what Radicale says.

Two servers share one data dir: one with the fast layer (the default), one with
``[server] fast_listing = false``. Every request goes to both over HTTP; the bodies
must be byte-identical after :func:`tests.wsgi.listing_normalisation.normalise` (the
generated cases are in test_fast_listing_differential.py).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Iterator
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
import requests

from cms_dav.config import load_settings
from cms_dav.server import application
from cms_dav.wsgi.multistatus_stream import CHUNK_BYTES
from tests.support.dav import make_calendar, put_card, vcard, vevent
from tests.support.server import ServerProcess
from tests.wsgi.listing_normalisation import normalise
from tests.wsgi.wsgi_call import Answer

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow

CARDS = 300
EVENTS = 30
ODD_NAMES = ["a b.vcf", "zoë ü.vcf", "曾 card.vcf", "x&y.vcf"]

PROPFIND_ETAGS = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:">'
                  '<d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/>'
                  '<d:getlastmodified/></d:prop></d:propfind>')
PROPFIND_MIXED = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" '
                  'xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:displayname/>'
                  '<cs:getctag/><d:getetag/><d:sync-token/></d:prop></d:propfind>')
PROPFIND_UNKNOWN = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" '
                    'xmlns:x="urn:example"><d:prop><d:getetag/><x:color/></d:prop>'
                    '</d:propfind>')


def sync_body(token: str = "", data: str = "cr:address-data") -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:" '
            'xmlns:cr="urn:ietf:params:xml:ns:carddav" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f'<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>'
            f'<d:prop><d:getetag/><{data}/></d:prop></d:sync-collection>')


def multiget_body(hrefs: list[str], report: str = "cr:addressbook-multiget",
                  data: str = "cr:address-data") -> str:
    refs = "".join(f"<d:href>{href.replace('&', '&amp;')}</d:href>" for href in hrefs)
    return ('<?xml version="1.0" encoding="utf-8"?>'
            f'<{report} xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f'<d:prop><d:getetag/><d:getcontenttype/><{data}/></d:prop>{refs}</{report}>')


def card_text(number: int) -> str:
    name = ["Zoë Łukasz", "Tom & Jerry", "曾 小明", "Ana <Admin>", "Plain Person"][number % 5]
    return vcard(f"uid-{number}", f"{name} {number}",
                 f"EMAIL:p{number}@example.org\r\nNOTE:a < b & c > d\r\n")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    data_dir: Path = tmp_path_factory.mktemp("fast")
    slow_config = data_dir / "slow.conf"
    slow_config.write_text("[server]\nfast_listing = false\n", encoding="utf-8")
    fast = ServerProcess(data_dir=data_dir)
    fast.add_user("alice", "alice-pw")
    fast.add_user("bob", "bob-pw")
    fast.start()
    slow = ServerProcess(data_dir=data_dir, config=slow_config).start()
    try:
        fill(fast)
        yield fast, slow
    finally:
        fast.stop()
        slow.stop()


def fill(server: ServerProcess) -> None:
    alice = server.session("alice", "alice-pw")
    bulk = "".join(card_text(number) for number in range(CARDS))
    response = alice.put(server.url + "/alice/contacts/", data=bulk.encode(),
                         headers={"Content-Type": "text/vcard; charset=utf-8"})
    assert response.status_code in (201, 204), response.text
    for number, name in enumerate(ODD_NAMES):
        response = put_card(alice, server.url + "/alice/contacts/" + quote(name),
                            card_text(CARDS + number))
        assert response.status_code == 201, response.text
    make_calendar(alice, server.url + "/alice/work/")
    for number in range(EVENTS):
        text = vevent(f"event-{number}", f"Meeting & <review> {number} ✓",
                      start=f"202612{number % 28 + 1:02d}T100000Z",
                      end=f"202612{number % 28 + 1:02d}T110000Z")
        response = alice.put(server.url + f"/alice/work/event {number}.ics", data=text.encode(),
                             headers={"Content-Type": "text/calendar; charset=utf-8"})
        assert response.status_code == 201, response.text


def ask(server: ServerProcess, method: str, path: str, body: str, depth: str | None = None,
        auth: tuple[str, str] = ("alice", "alice-pw")) -> requests.Response:
    headers = {"Content-Type": "application/xml; charset=utf-8"}
    if depth is not None:
        headers["Depth"] = depth
    return requests.request(method, server.url + path, data=body.encode(), headers=headers,
                            auth=auth, timeout=60)


def assert_same_answer(servers: tuple[ServerProcess, ServerProcess], method: str, path: str,
                       body: str, depth: str | None = None,
                       auth: tuple[str, str] = ("alice", "alice-pw"),
                       streamed: bool = False) -> ET.Element | None:
    """Both servers answer alike; ``streamed``: ours came from the fast layer (Radicale
    always sends a Content-Length, the stream never does)."""
    fast, slow = servers
    ours = ask(fast, method, path, body, depth, auth)
    theirs = ask(slow, method, path, body, depth, auth)
    assert ("Content-Length" not in ours.headers) == streamed
    assert ours.status_code == theirs.status_code
    assert ours.headers.get("Content-Type") == theirs.headers.get("Content-Type")
    if theirs.status_code != 207:
        assert ours.content == theirs.content
        return None
    kind = "propfind" if method == "PROPFIND" else "sync" if "sync-collection" in body \
        else "multiget" if "multiget" in body else "other"
    ours_body = normalise(Answer(ours.reason, (), ours.content), kind).body
    theirs_body = normalise(Answer(theirs.reason, (), theirs.content), kind).body
    assert ours_body == theirs_body
    return ET.fromstring(ours.content)


def response_count(tree: ET.Element | None) -> int:
    assert tree is not None
    return len(tree.findall("{DAV:}response"))


# -- (a) PROPFIND Depth 1 -------------------------------------------------------
def test_propfind_depth_1_on_an_address_book_matches_radicale(servers):
    tree = assert_same_answer(servers, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "1",
                              streamed=True)
    assert response_count(tree) == 1 + CARDS + len(ODD_NAMES)


def test_propfind_depth_1_on_a_calendar_matches_radicale(servers):
    tree = assert_same_answer(servers, "PROPFIND", "/alice/work/", PROPFIND_ETAGS, "1",
                              streamed=True)
    assert response_count(tree) == 1 + EVENTS


def test_propfind_with_collection_props_gives_items_the_same_404_propstat(servers):
    tree = assert_same_answer(servers, "PROPFIND", "/alice/contacts/", PROPFIND_MIXED, "1",
                              streamed=True)
    assert response_count(tree) == 1 + CARDS + len(ODD_NAMES)


def test_propfind_answer_is_streamed_without_content_length(servers):
    fast, _ = servers
    response = ask(fast, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "1")
    assert response.status_code == 207 and "Content-Length" not in response.headers


def wsgi_chunks(app, method: str, path: str, body: str, depth: str) -> list[bytes]:
    """The body pieces the WSGI app hands the server for one request as alice (each
    becomes one HTTP chunk), after a ``207``."""
    data = body.encode()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path,
               "SCRIPT_NAME": "", "HTTP_DEPTH": depth, "wsgi.input": io.BytesIO(data),
               "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/xml",
               "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"alice:alice-pw").decode(),
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.url_scheme": "http", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
               "wsgi.errors": io.StringIO()}
    statuses: list[str] = []
    chunks = list(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses == ["207 Multi-Status"]
    return chunks


def test_the_answer_comes_in_chunks_of_about_64_kib(servers):
    fast, _ = servers
    app = application(load_settings(data_dir=fast.data_dir))
    chunks = wsgi_chunks(app, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "1")
    assert len(chunks) >= 2
    assert all(len(chunk) < CHUNK_BYTES + 4096 for chunk in chunks)
    assert all(len(chunk) >= CHUNK_BYTES for chunk in chunks[:-1])


def test_a_multiget_of_all_goes_out_in_few_large_chunks(servers):
    """Each piece is one HTTP chunk, a size line and a read for the client: the
    responses are joined into pieces of at least ``CHUNK_BYTES`` but the last, so the
    chunk count is bounded by the answer's size (issue 19 target 6), not by its
    responses. Asked twice: the first login may go through Radicale's path."""
    fast, _ = servers
    app = application(load_settings(data_dir=fast.data_dir))
    listing = ET.fromstring(ask(fast, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "1").content)
    hrefs = [el.text or "" for el in listing.findall("{DAV:}response/{DAV:}href")][1:]
    body = multiget_body(hrefs)
    wsgi_chunks(app, "REPORT", "/alice/contacts/", body, "1")
    chunks = wsgi_chunks(app, "REPORT", "/alice/contacts/", body, "1")
    answer = b"".join(chunks)
    assert response_count(ET.fromstring(answer)) == len(hrefs)
    assert len(chunks) >= 2
    assert all(len(chunk) >= CHUNK_BYTES for chunk in chunks[:-1])
    assert len(chunks) <= len(answer) // CHUNK_BYTES + 1


# -- (b) sync-collection --------------------------------------------------------
def test_initial_sync_with_address_data_matches_radicale(servers):
    tree = assert_same_answer(servers, "REPORT", "/alice/contacts/", sync_body(), streamed=True)
    assert response_count(tree) == CARDS + len(ODD_NAMES)


def test_initial_sync_of_a_calendar_with_calendar_data_matches_radicale(servers):
    tree = assert_same_answer(servers, "REPORT", "/alice/work/",
                              sync_body(data="c:calendar-data"), streamed=True)
    assert response_count(tree) == EVENTS


def test_incremental_sync_with_changes_and_deletions_matches_radicale(servers):
    fast, _ = servers
    alice = fast.session("alice", "alice-pw")
    first = ET.fromstring(ask(fast, "REPORT", "/alice/contacts/", sync_body()).content)
    token = first.findtext("{DAV:}sync-token") or ""
    assert put_card(alice, fast.url + "/alice/contacts/" + quote("new & ü.vcf"),
                    card_text(9000)).status_code == 201
    assert alice.delete(fast.url + "/alice/contacts/" + quote("a b.vcf")).status_code == 200
    tree = assert_same_answer(servers, "REPORT", "/alice/contacts/", sync_body(token),
                              streamed=True)
    assert response_count(tree) == 2


# -- (c) multiget ---------------------------------------------------------------
def test_addressbook_multiget_of_all_and_of_missing_hrefs_matches_radicale(servers):
    fast, _ = servers
    listing = ET.fromstring(ask(fast, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "1").content)
    hrefs = [el.text or "" for el in listing.findall("{DAV:}response/{DAV:}href")][1:]
    hrefs += ["/alice/contacts/gone.vcf", "/alice/contacts/" + quote("gone ö.vcf")]
    tree = assert_same_answer(servers, "REPORT", "/alice/contacts/", multiget_body(hrefs),
                              streamed=True)
    assert response_count(tree) == len(hrefs)


def test_calendar_multiget_matches_radicale(servers):
    hrefs = [f"/alice/work/{quote(f'event {number}.ics')}" for number in range(EVENTS)]
    tree = assert_same_answer(servers, "REPORT", "/alice/work/", multiget_body(
        hrefs, report="c:calendar-multiget", data="c:calendar-data"), streamed=True)
    assert response_count(tree) == EVENTS


# -- fallbacks: Radicale's own answers ------------------------------------------
def test_an_unknown_prop_gets_radicales_answer(servers):
    assert_same_answer(servers, "PROPFIND", "/alice/contacts/", PROPFIND_UNKNOWN, "1")


def test_depth_0_gets_radicales_answer(servers):
    tree = assert_same_answer(servers, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "0")
    assert response_count(tree) == 1


def test_a_bad_sync_token_gets_radicales_403(servers):
    fast, _ = servers
    bogus = sync_body("http://radicale.org/ns/sync/bogus")
    response = ask(fast, "REPORT", "/alice/contacts/", bogus)
    assert response.status_code == 403 and b"valid-sync-token" in response.content
    assert_same_answer(servers, "REPORT", "/alice/contacts/", bogus)


def test_a_wrong_password_gets_401_and_no_data(servers):
    fast, _ = servers
    response = ask(fast, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "1",
                   auth=("alice", "wrong"))
    assert response.status_code == 401 and b"uid-" not in response.content
    assert_same_answer(servers, "REPORT", "/alice/contacts/", sync_body(), auth=("alice", "bad"))


def test_another_users_collection_gets_radicales_refusal(servers):
    for method, body, depth in (("PROPFIND", PROPFIND_ETAGS, "1"), ("REPORT", sync_body(), None)):
        fast, _ = servers
        response = ask(fast, method, "/alice/contacts/", body, depth, auth=("bob", "bob-pw"))
        assert response.status_code in (403, 404) and b"uid-" not in response.content
        assert_same_answer(servers, method, "/alice/contacts/", body, depth, auth=("bob", "bob-pw"))


def test_a_share_mount_gets_radicales_answer(servers):
    fast, _ = servers
    result = fast.cli("share", "grant", "/alice/work/", "--to", "user:bob", "--access", "read")
    assert result.returncode == 0, result.stderr
    home = ET.fromstring(ask(fast, "PROPFIND", "/bob/", PROPFIND_ETAGS, "1",
                             auth=("bob", "bob-pw")).content)
    mounts = [el.text or "" for el in home.findall("{DAV:}response/{DAV:}href")
              if (el.text or "").rstrip("/") not in ("/bob", "/bob/contacts", "/bob/calendar",
                                                     "/bob/birthdays", "/bob/follow-ups")]
    assert mounts, "the share shows up in bob's home"
    tree = assert_same_answer(servers, "PROPFIND", mounts[0], PROPFIND_ETAGS, "1",
                              auth=("bob", "bob-pw"))
    assert response_count(tree) == 1 + EVENTS
    assert_same_answer(servers, "REPORT", mounts[0], sync_body(data="c:calendar-data"),
                       auth=("bob", "bob-pw"))


def test_a_group_collection_gets_radicales_answer(servers):
    fast, _ = servers
    for args in (("group", "add", "team"), ("group", "add-member", "team", "alice"),
                 ("group", "collection", "add", "team", "book", "--type", "addressbook")):
        result = fast.cli(*args)
        assert result.returncode == 0, result.stderr
    alice = fast.session("alice", "alice-pw")
    assert put_card(alice, fast.url + "/groups/team/book/one.vcf", card_text(1)).status_code == 201
    tree = assert_same_answer(servers, "PROPFIND", "/groups/team/book/", PROPFIND_ETAGS, "1")
    assert response_count(tree) == 2


# -- both backends --------------------------------------------------------------
def test_the_three_listings_match_radicale_on_each_backend(make_server, database_url):
    storage = f"[storage]\ndatabase_url = {database_url}\n"
    users = {"alice": "alice-pw"}
    fast = make_server(config_text=storage, users=users)
    slow = make_server(config_text=storage + "[server]\nfast_listing = false\n", users=users)
    alice = fast.session("alice", "alice-pw")
    names = [f"card {number}.vcf" for number in range(20)] + ODD_NAMES
    for number, name in enumerate(names):
        response = put_card(alice, fast.url + "/alice/contacts/" + quote(name),
                            card_text(number))
        assert response.status_code == 201, response.text
    pair = (fast, slow)
    tree = assert_same_answer(pair, "PROPFIND", "/alice/contacts/", PROPFIND_ETAGS, "1",
                              streamed=True)
    assert response_count(tree) == 1 + len(names)
    assert_same_answer(pair, "REPORT", "/alice/contacts/", sync_body(), streamed=True)
    hrefs = ["/alice/contacts/" + quote(name) for name in names + ["gone.vcf"]]
    tree = assert_same_answer(pair, "REPORT", "/alice/contacts/", multiget_body(hrefs),
                              streamed=True)
    assert response_count(tree) == len(hrefs)
