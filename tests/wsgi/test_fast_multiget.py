"""Differential test: multigets answered by cms_dav.wsgi.fast_multiget against Radicale.

Two WSGI stacks in this process over one database (as in
test_fast_listing_differential.py): the fast one and one with ``fast_listing = false``,
where Radicale answers every request. Each request shape goes to both; the answers must
be equal after :func:`normalise` (Content-Length dropped, multiget responses sorted:
Radicale's own order is a hash-seeded set's). Each shape also says whether the fast
multiget must have answered it (a spy on :meth:`FastMultiget.answer`) or left it to the
probe path and Radicale, so a silent fall-through cannot pass for a fast answer.
"""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import pytest

from cms_dav.acl.admin import share_grant, share_revoke
from cms_dav.app import App, build_app
from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.store import listing
from cms_dav.wsgi import fast_multiget
from cms_dav.wsgi.fast_multiget import FastMultiget
from tests.conftest import backend_config
from tests.wsgi.listing_normalisation import normalise
from tests.wsgi.test_fast_listing_differential import (NAMESPACES, XML_HEAD, World, card,
                                                       event_text, first_difference,
                                                       make_collection)
from tests.wsgi.wsgi_call import Answer, call

BOOK, CALENDAR, ELSEWHERE = "/alice/book/", "/alice/cal/", "/alice/elsewhere/"
#: a book whose cards were written in an order unrelated to their hrefs (as a phone's
#: random UUID names are): its storage order is not its href order
SHUFFLED = "/alice/shuffled/"
ALICE, BOB = ("alice", "alice-pw"), ("bob", "bob-pw")
XML = {"Content-Type": "application/xml; charset=utf-8"}
#: plain names and names that need quoting or XML escaping in an href
CARD_NAMES = [f"card-{number:02d}.vcf" for number in range(24)] + [
    "a b.vcf", "x&y.vcf", "曾 小明.vcf", "zoë+@.vcf", "100%.vcf", "no-extension"]
EVENT_NAMES = ["meeting 1.ics", "review&lunch.ics", "plain.ics"]
#: texts with the three characters XML escapes, non-ASCII and a folded line
TEXTS = ["Tom & Jerry <cat> > mouse", "Zoë Łukasz 曾 😀", "plain", "a;b\\,c",
         "long " + "x" * 90]


@dataclasses.dataclass
class MultigetWorld(World):
    apps: tuple[App, ...] = ()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[MultigetWorld]:
    data_dir: Path = tmp_path_factory.mktemp("fast-multiget")
    with backend_config(request.param, data_dir) as config:
        base = load_settings(data_dir=data_dir, config_file=config)
        users = HtpasswdFile(base.htpasswd_file, rounds=4)
        for user in ("alice", "bob", "carol"):
            users.add(user, f"{user}-pw")
        fast_app = build_app(base)
        slow_app = build_app(dataclasses.replace(base, fast_listing=False))
        built = MultigetWorld(fast_app.wsgi(), slow_app.wsgi(), data_dir, config,
                              (fast_app, slow_app))
        fill(built)
        for user in ("alice", "bob"):  # both stacks' login caches know alice and bob
            for app in (built.fast, built.slow):
                call(app, "PROPFIND", f"/{user}/", b"", {"Depth": "0"}, (user, f"{user}-pw"))
        try:
            yield built
        finally:
            fast_app.close()
            slow_app.close()


def fill(world: MultigetWorld) -> None:
    make_collection(world, "alice", BOOK, "VADDRESSBOOK")
    make_collection(world, "alice", CALENDAR, "VCALENDAR")
    make_collection(world, "alice", ELSEWHERE, "VADDRESSBOOK")
    for number, name in enumerate(CARD_NAMES):
        text = TEXTS[number % len(TEXTS)]
        answer = call(world.slow, "PUT", BOOK + quote(name),
                      card(f"uid-{number}", f"{text} {number}", text),
                      {"Content-Type": "text/vcard"}, ALICE)
        assert answer.code == 201, answer
    for number, name in enumerate(EVENT_NAMES):
        answer = call(world.slow, "PUT", CALENDAR + quote(name),
                      event_text(f"event-{number}", TEXTS[number], TEXTS[-number], number + 1),
                      {"Content-Type": "text/calendar"}, ALICE)
        assert answer.code == 201, answer
    answer = call(world.slow, "PUT", ELSEWHERE + "other.vcf", card("other", "Other", ""),
                  {"Content-Type": "text/vcard"}, ALICE)
    assert answer.code == 201, answer
    make_collection(world, "alice", SHUFFLED, "VADDRESSBOOK")
    for number in SHUFFLED_ORDER:
        answer = call(world.slow, "PUT", SHUFFLED + quote(CARD_NAMES[number]),
                      card(f"shuffled-{number}", f"Shuffled {number}", TEXTS[number % 5]),
                      {"Content-Type": "text/vcard"}, ALICE)
        assert answer.code == 201, answer


#: the order the shuffled book's cards were written in (indexes into CARD_NAMES)
SHUFFLED_ORDER = random.Random(19).sample(range(len(CARD_NAMES)), len(CARD_NAMES))


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the fast multiget answered each request (True) or left it (False)."""
    seen: list[bool] = []
    original = FastMultiget.answer

    def spy(self: FastMultiget, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        seen.append(result is not None)
        return result

    monkeypatch.setattr(FastMultiget, "answer", spy)
    return seen


def multiget(hrefs: list[str], props: str = "<d:getetag/><cr:address-data/>",
             report: str = "cr:addressbook-multiget") -> bytes:
    refs = "".join(f"<d:href>{href.replace('&', '&amp;')}</d:href>" for href in hrefs)
    return (f"{XML_HEAD}<{report} {NAMESPACES}><d:prop>{props}</d:prop>{refs}</{report}>"
            ).encode()


def book(*names: str) -> list[str]:
    return [BOOK + quote(name) for name in names]


def same_answer(world: MultigetWorld, body: bytes, path: str = BOOK,
                auth: tuple[str, str] = ALICE, headers: dict[str, str] | None = None
                ) -> tuple[Answer, Answer]:
    fast, slow = world.both("REPORT", path, body, {**XML, **(headers or {})}, auth)
    ours, radicales = normalise(fast, "multiget"), normalise(slow, "multiget")
    assert ours == radicales, first_difference(ours, radicales)
    return fast, slow


ALL = book(*CARD_NAMES)
DATA_FIRST = "<cr:address-data/><d:getetag/>"
WITH_TYPE = "<d:getcontenttype/><d:getetag/><cr:address-data/>"

FAST_SHAPES = {
    # every card: the collection is scanned in pages
    "all hrefs": multiget(ALL),
    "all hrefs, data first": multiget(ALL, DATA_FIRST),
    "all hrefs with getcontenttype": multiget(ALL, WITH_TYPE),
    "all hrefs, ETags only": multiget(ALL, "<d:getetag/>"),
    "all hrefs, data only": multiget(ALL, "<cr:address-data/>"),
    "all hrefs and missing ones": multiget(ALL + book("gone.vcf", "gone ö.vcf")),
    "all hrefs twice": multiget(ALL + ALL[:5]),
    # a few cards: read by name, in the request's order
    "some hrefs": multiget(book("card-07.vcf", "x&y.vcf", "card-01.vcf")),
    "some hrefs with getcontenttype": multiget(book("card-03.vcf", "曾 小明.vcf"), WITH_TYPE),
    "some hrefs and a missing one": multiget(book("card-05.vcf", "missing.vcf")),
    "only missing hrefs": multiget(book("missing.vcf", "也没有.vcf")),
    "percent-encoded every character": multiget(
        [BOOK + quote(name, safe="") for name in ("a b.vcf", "card-02.vcf", "zoë+@.vcf")]),
    "lower-case percent escapes": multiget(
        [re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(), href) for href in book(
            "曾 小明.vcf", "100%.vcf", "a b.vcf")]),
    "absolute URLs": multiget(["http://localhost" + href for href in book(
        "card-04.vcf", "a b.vcf")]),
}


@pytest.mark.parametrize("shape", list(FAST_SHAPES))
def test_a_multiget_the_fast_path_answers_is_radicales_answer(world, answered, shape):
    same_answer(world, FAST_SHAPES[shape])
    assert answered == [True]


@pytest.mark.parametrize("gzip", [False, True])
def test_a_calendar_multiget_is_radicales_answer(world, answered, gzip):
    hrefs = [CALENDAR + quote(name) for name in EVENT_NAMES] + [CALENDAR + "gone.ics"]
    body = multiget(hrefs, "<d:getetag/><c:calendar-data/>", "c:calendar-multiget")
    same_answer(world, body, CALENDAR, headers={"Accept-Encoding": "gzip"} if gzip else {})
    assert answered == [True]


def test_a_gzipped_multiget_of_all_is_radicales_answer(world, answered):
    fast, _ = same_answer(world, multiget(ALL), headers={"Accept-Encoding": "gzip"})
    assert fast.header("Content-Encoding") == "gzip"
    assert answered == [True]


FILTER = '<d:getetag/><cr:address-data><cr:prop name="FN"/></cr:address-data>'
SLOW_SHAPES = {
    "address-data with a prop filter": (BOOK, ALICE, multiget(ALL, FILTER)),
    "a prop Radicale alone renders": (BOOK, ALICE, multiget(ALL, "<d:getetag/><d:displayname/>")),
    "an href outside the collection": (BOOK, ALICE, multiget(
        book("card-01.vcf") + [ELSEWHERE + "other.vcf"])),
    "the collection's own href": (BOOK, ALICE, multiget(book("card-01.vcf") + [BOOK])),
    "a calendar-multiget on an address book": (BOOK, ALICE, multiget(
        ALL, "<d:getetag/><c:calendar-data/>", "c:calendar-multiget")),
    "an addressbook-multiget on a calendar": (CALENDAR, ALICE, multiget(
        [CALENDAR + quote(name) for name in EVENT_NAMES])),
    "no props": (BOOK, ALICE, multiget(ALL, "")),
}


@pytest.mark.parametrize("shape", list(SLOW_SHAPES))
def test_every_other_multiget_is_left_to_radicale(world, answered, shape):
    path, auth, body = SLOW_SHAPES[shape]
    same_answer(world, body, path, auth)
    assert True not in answered


@pytest.mark.parametrize("who", [BOB, ("alice", "wrong")])
def test_a_caller_without_read_rights_gets_radicales_refusal(world, answered, who):
    fast, _ = same_answer(world, multiget(ALL), auth=who)
    assert fast.code in (401, 403, 404) and b"uid-" not in fast.body
    assert True not in answered


def test_a_login_the_cache_does_not_know_yet_is_verified_by_radicale_first(world, answered):
    """carol's first request: the login cache cannot vouch for her, so the probe path
    (Radicale's login) answers; once it has, her next multiget is a fast one."""
    make_collection(world, "carol", "/carol/book/", "VADDRESSBOOK")
    answer = call(world.slow, "PUT", "/carol/book/one.vcf", card("one", "One", "&"),
                  {"Content-Type": "text/vcard"}, ("carol", "carol-pw"))
    assert answer.code == 201, answer
    body = multiget(["/carol/book/one.vcf"])
    for _ in range(2):
        same_answer(world, body, "/carol/book/", ("carol", "carol-pw"))
    assert answered == [False, True]


def test_a_book_shared_to_bob_answers_him_as_radicale_does(world, answered):
    """A read share of alice's book shows as a mount in bob's home; a multiget there is
    answered as Radicale answers it (Radicale rewrites the mount to alice's book)."""
    app = world.apps[0]
    share_grant(app.store, app.policy, ADMIN_ACTOR, BOOK, "user:bob", "read")
    try:
        _bob_reads_the_share(world, answered)
    finally:  # the other tests see bob without rights on alice's book again
        share_revoke(app.store, app.policy, ADMIN_ACTOR, BOOK, "user:bob")
        for each in world.apps:
            each.policy.shares_changed()


def _bob_reads_the_share(world: MultigetWorld, answered: list[bool]) -> None:
    for stack in (world.fast, world.slow):
        call(stack, "PROPFIND", "/bob/", b"", {"Depth": "0"}, BOB)
    home = call(world.fast, "PROPFIND", "/bob/", b"", {"Depth": "1"}, BOB)
    mounts = [href.decode() for href in re.findall(rb"<response><href>([^<]*)</href>",
                                                   home.body)
              if href.endswith(b"-book/")]
    assert mounts, home
    names = ["card-01.vcf", "a b.vcf", "x&y.vcf"]
    hrefs = [mounts[0] + quote(name) for name in names]
    fast, slow = same_answer(world, multiget(hrefs), mounts[0], BOB)
    assert fast.code == 207 and fast.body.count(b"<response>") == len(names)
    assert answered == [False]  # the mount is Radicale's: it maps the path to alice's
    # bob reading alice's book by its own path, which the share lets him read
    fast, slow = same_answer(world, multiget(book(*names)), BOOK, BOB)
    assert fast.code == 207 and fast.body.count(b"<response>") == len(names)
    assert answered == [False, True]


_DATA = re.compile(rb"<CR:address-data>(.*?)</CR:address-data>", re.DOTALL)
_HREF = re.compile(rb"<href>([^<]*)</href>")


def _unescaped(data: bytes) -> bytes:
    return data.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&amp;", b"&")


def test_the_data_of_each_card_is_the_bytes_a_get_serves(world, answered):
    """The stored text a GET serves (cms_dav.wsgi.fast_get), only XML-escaped: the bytes
    are compared before any XML parser normalises the CRLF line ends."""
    fast = call(world.fast, "REPORT", BOOK, multiget(ALL), XML, ALICE)
    assert answered == [True]
    responses = re.findall(rb"<response>.*?</response>", fast.body, re.DOTALL)
    assert len(responses) == len(CARD_NAMES)
    for response in responses:
        href_match, data_match = _HREF.search(response), _DATA.search(response)
        assert href_match is not None and data_match is not None
        get = call(world.fast, "GET", href_match[1].decode(), b"", {}, ALICE)
        assert get.code == 200
        assert _unescaped(data_match[1]) == get.body
        assert b"\r\n" in get.body


@pytest.mark.parametrize("shape", ["all hrefs", "all hrefs and missing ones",
                                   "some hrefs and a missing one", "only missing hrefs",
                                   "some hrefs"])
def test_a_multiget_rendered_in_small_slices_of_small_pages_is_radicales_answer(
        world, answered, monkeypatch, shape):
    # the answer is rendered SLICE rows at a time (pages of listing.PAGE rows when the
    # collection is scanned): parts that end mid-page, 404s between found items
    monkeypatch.setattr(fast_multiget, "SLICE", 3)
    monkeypatch.setattr(listing, "PAGE", 7)
    same_answer(world, FAST_SHAPES[shape])
    assert answered == [True]


def shuffled(*names: str) -> list[str]:
    return [SHUFFLED + quote(name) for name in names]


SHUFFLED_SHAPES = {
    "all hrefs in href order": shuffled(*sorted(CARD_NAMES)),
    "all hrefs in the order written": shuffled(*[CARD_NAMES[i] for i in SHUFFLED_ORDER]),
    "all hrefs in another order": shuffled(*random.Random(6).sample(CARD_NAMES,
                                                                    len(CARD_NAMES))),
    "all hrefs and missing ones": shuffled(*CARD_NAMES, "gone.vcf", "card-99.vcf"),
    "all but a few, twice some": shuffled(*CARD_NAMES[3:], *CARD_NAMES[3:6]),
}


@pytest.mark.parametrize("small", [False, True])
@pytest.mark.parametrize("shape", list(SHUFFLED_SHAPES))
def test_a_multiget_of_a_book_stored_out_of_href_order_is_radicales_answer(
        world, answered, monkeypatch, shape, small):
    """The scan reads the book in storage order and picks the named rows, whatever
    order the names come in (small: pages of 7 rows and parts of 3)."""
    if small:
        monkeypatch.setattr(fast_multiget, "SLICE", 3)
        monkeypatch.setattr(listing, "PAGE", 7)
    same_answer(world, multiget(SHUFFLED_SHAPES[shape]), SHUFFLED)
    assert answered == [True]


def test_a_multiget_of_all_answers_in_the_order_the_items_were_stored(world, answered):
    """RFC 4918 §9.1 and RFC 6352 §8.7 ask for a response per href in no order: the
    scan answers in storage order (the table's), not by href."""
    fast = call(world.fast, "REPORT", SHUFFLED, multiget(shuffled(*sorted(CARD_NAMES))),
                XML, ALICE)
    assert answered == [True]
    assert _HREF.findall(fast.body) == [
        quote(SHUFFLED + CARD_NAMES[number]).encode() for number in SHUFFLED_ORDER]


def test_an_item_the_scan_misses_is_looked_up_by_name_before_a_404(
        world, answered, monkeypatch):
    """An item written after the scan listed the book's row ids (its row id is not in
    the list) is still answered from the store, not as missing."""
    listed = listing.raw_id_pages

    def without_the_last(store: Any, collection_id: int) -> Iterator[list[int]]:
        ids = [number for run in listed(store, collection_id) for number in run]
        yield ids[:-1]

    monkeypatch.setattr(listing, "raw_id_pages", without_the_last)
    fast, _ = same_answer(world, multiget(shuffled(*CARD_NAMES)), SHUFFLED)
    assert b" 404 " not in fast.body and fast.body.count(b"<response>") == len(CARD_NAMES)
    assert answered == [True]
