"""``cms-dav search`` on SQLite reads through the standard library's ``sqlite3`` (a
:class:`cms_dav.store.sql.SqliteDatabase`, issue 19 target 5) with the statements the
App runs through SQLAlchemy: the same people, scores and order for every query and
filter, whoever asks (an owner, a sharee, a stranger, the local admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from cms_dav.app import App, Reader, build_app, build_reader
from cms_dav.config import load_settings
from cms_dav.contacts import query as query_module
from cms_dav.contacts import search_tiers
from cms_dav.contacts.contact_search import SearchRequest, search_contacts
from cms_dav.contacts.query import Contact
from cms_dav.store.sql import SqliteDatabase
from tests.contacts.index_support import book, card_data, share_book_read_only, vcard
from tests.contacts.test_custom_fields import FIELDS_TOML

CARDS = {
    "wojcik": ("Łukasz Wójcik", "N:Wójcik;Łukasz;;;", "ORG:Acme Sp. z o.o.",
               "TEL;TYPE=CELL:+48 600 100 200", "EMAIL:lukasz@example.pl",
               "ADR;TYPE=WORK:;;ul. Długa 1;Kraków;;30-001;Poland", "CATEGORIES:VIP,customer",
               "X-CMS-FIELD:spend;50000", "X-CMS-FIELD:first-order;2026-03-01",
               "X-CMS-FIELD:industry;Retail"),
    "zaneta": ("Żaneta Wójcik", "N:Wójcik;Żaneta;;;", "TEL:600-100-201",
               "EMAIL:zaneta.wojcik@example.com", "X-CMS-FIELD:spend;900",
               "X-CMS-INTERACTION:i-1;call;20260101T100000Z;alice;;called"),
    "zhang": ("张伟", "N:张;伟;;;", "ORG:北京科技有限公司", "TEL:+86 138 0013 8000",
              "ADR:;;路 1;北京;;100000;China", "CATEGORIES:华东区",
              "X-CMS-FIELD:industry;Manufacturing", "X-CMS-FIELD:first-order;2027-05-01"),
    "zhangwei": ("Zhang Wei", "N:Zhang;Wei;;;", "ORG:Globex Ltd", "EMAIL:zw@example.cn"),
    "wang": ("王芳", "N:王;芳;;;", "ORG:北京科技有限公司", "TEL:+8613800138001"),
    "ada": ("Ada Lovelace", "N:Lovelace;Ada;;;", "TEL:+44 20 7946 0958",
            "EMAIL:ada@example.org", "CATEGORIES:vip"),
    "emile": ("Émile Zola", "N:Zola;Émile;;;", "NICKNAME:Mimi", "ORG:Dąb i Syn"),
}
QUERIES = ("wojcik", "Wójcik", "wój", "zhang wei", "zhang w", "zw", "张", "张伟", "zh", "伟",
           "+48 600 100 200", "0048600100200", "600100200", "100 20", "+4", "8000",
           "lukasz@example.pl", "example", "acme", "org:acme", "科技", "科技有限", "w", "a",
           "mimi", "nowak", "dąb", "zola emile")
FILTERS = (SearchRequest(category="vip"), SearchRequest(city="Kraków"),
           SearchRequest(org="科技"), SearchRequest(conditions=("spend>=1000",)),
           SearchRequest(conditions=("first-order<2027-01-01",)),
           SearchRequest(conditions=("industry=Retail",)),
           SearchRequest(conditions=("industry!=Retail",)),
           SearchRequest(not_contacted_for=30 * 86400.0),
           SearchRequest(query="wojcik", category="vip"),
           SearchRequest(query="w", conditions=("spend>=100",)),
           SearchRequest(query="example", not_contacted_for=30 * 86400.0),
           SearchRequest(query="zhang", org="globex", limit=1))
USERS = ("alice", "bob", "carol", None)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """alice's book of :data:`CARDS` with a group card, shared read-only with bob, who
    has a book of his own; carol may read neither."""
    folder = Path(tmp_path_factory.mktemp("search-sqlite3")) / "var"
    folder.mkdir()
    (folder / "fields.toml").write_text(FIELDS_TOML, encoding="utf-8")
    app = build_app(load_settings(folder))
    try:
        store = app.store
        for user in ("alice", "bob"):
            store.replace_collection(user, {}, [], "admin")
            book(store, f"{user}/contacts")
        for uid, (fn, *lines) in CARDS.items():
            store.put_item("alice/contacts", f"{uid}.vcf",
                           card_data(vcard(uid, fn, *lines), uid), "alice")
        group = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:g1\r\nFN:Customers\r\nKIND:group\r\n"
                 "MEMBER:urn:uuid:zhang\r\nEND:VCARD\r\n")
        store.put_item("alice/contacts", "g1.vcf", card_data(group, "g1"), "alice")
        store.put_item("bob/contacts", "n.vcf",
                       card_data(vcard("n", "Wojciech Nowak", "TEL:+48 600 100 200"), "n"),
                       "bob")
        share_book_read_only(store, "alice", "/alice/contacts/", "bob",
                             "/bob/alice-contacts/")
    finally:
        app.close()
    yield folder


@pytest.fixture(scope="module")
def answers(data_dir: Path) -> Iterator[tuple[App, Reader]]:
    app = build_app(load_settings(data_dir))
    reader = build_reader(load_settings(data_dir))
    yield app, reader
    reader.close()
    app.close()


def found(source: App | Reader, user: str | None, request: SearchRequest) -> list[Contact]:
    reading = source.store.reading() if isinstance(source, App) else source.reading()
    with reading as conn:
        return search_contacts(conn, source.policy, source.fields.fields(),
                               source.settings.default_region, user, request)


def test_a_reader_of_an_sqlite_database_at_head_reads_through_sqlite3(
        answers: tuple[App, Reader]) -> None:
    assert isinstance(answers[1].database, SqliteDatabase)


#: small levels read whole (the defaults here), or every level walked through the sort
#: index with (2) or without (0) the probe of each book's first cards, and later terms
#: read among the earlier terms' items or not
KNOBS = ({}, {"SMALL_LEVEL": 0, "PROBE": 0}, {"SMALL_LEVEL": 0, "PROBE": 2, "_AMONG": 0})


@pytest.mark.parametrize("knobs", KNOBS, ids=["small", "walk", "probe"])
@pytest.mark.parametrize("user", USERS)
def test_every_query_finds_through_sqlite3_what_it_finds_through_sqlalchemy(
        answers: tuple[App, Reader], user: str | None, knobs: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in knobs.items():
        monkeypatch.setattr(query_module if name == "_AMONG" else search_tiers, name, value)
    app, reader = answers
    for request in [SearchRequest(query=q) for q in QUERIES] + [
            SearchRequest(query=q, limit=2) for q in QUERIES]:
        assert found(reader, user, request) == found(app, user, request), request


@pytest.mark.parametrize("user", USERS)
def test_every_filter_finds_through_sqlite3_what_it_finds_through_sqlalchemy(
        answers: tuple[App, Reader], user: str | None) -> None:
    app, reader = answers
    for request in FILTERS:
        assert found(reader, user, request) == found(app, user, request), request


def test_the_data_finds_someone_for_most_queries_and_filters(
        answers: tuple[App, Reader]) -> None:
    """The comparison above is not of empty answers: alice finds people for all but a
    few of the queries (``nowak`` is bob's), and bob finds alice's through her share."""
    app, _reader = answers
    empty = [q for q in QUERIES if not found(app, "alice", SearchRequest(query=q))]
    assert empty == ["+4", "nowak"]
    assert [f for f in FILTERS if not found(app, "alice", f)] == []
    assert found(app, "bob", SearchRequest(query="wojcik"))
    assert not found(app, "carol", SearchRequest(query="wojcik"))
