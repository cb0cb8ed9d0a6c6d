"""``cms-dav import-radicale``: a stock Radicale 3.9 filled over HTTP, migrated, and
then the same collections and objects (hrefs, UIDs, ETags, text) on cms_dav, as
the caldav client and vdirsyncer (continuing with its old status) see them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import caldav
import pytest

from tests.io.stock_radicale import StockRadicale
from tests.io.support import objects, run_json
from tests.support.dav import make_addressbook, make_calendar, put_card, vcard, vevent
from tests.support.server import ServerProcess
from tests.support.vdirsyncer import (contacts_and_calendar_config, discover_and_sync,
                                      requires_vdirsyncer)

USERS = {"alice": "alice-pw", "bob": "bob-pw"}


def _fill(stock: StockRadicale) -> None:
    for user in USERS:
        session = stock.session(user)
        base = f"{stock.url}/{user}/"
        session.request("PROPFIND", base, headers={"Depth": "0"})
        make_addressbook(session, base + "contacts/", f"{user}'s people")
        make_calendar(session, base + "calendar/", f"{user}'s meetings")
        for n in range(4):
            response = put_card(session, f"{base}contacts/{user}-c{n}.vcf",
                                vcard(f"{user}-c{n}", f"Nowak Zofia{n}", "NOTE:ząb 王\r\n"))
            assert response.status_code == 201
        for n in range(3):
            response = session.put(f"{base}calendar/{user}-e{n}.ics",
                                   data=vevent(f"{user}-e{n}", f"Meeting {n}").encode(),
                                   headers={"Content-Type": "text/calendar"})
            assert response.status_code == 201


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StockRadicale]:
    server = StockRadicale(tmp_path_factory.mktemp("stock"), USERS).start()
    _fill(server)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def migrated(stock: StockRadicale, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[ServerProcess, dict]]:
    data_dir = tmp_path_factory.mktemp("migrated")
    report = run_json(data_dir, "import-radicale", str(stock.storage),
                      "--users-file", str(stock.htpasswd))
    server = ServerProcess(data_dir=data_dir).start()
    yield server, report
    server.stop()


def test_the_report_counts_every_collection_and_item(migrated: tuple[ServerProcess, dict]
                                                     ) -> None:
    _, report = migrated
    assert (report["collections"], report["items"], report["skipped"]) == (4, 14, [])


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("collection", ["contacts", "calendar"])
def test_every_object_keeps_its_href_etag_and_text(
        stock: StockRadicale, migrated: tuple[ServerProcess, dict], user: str,
        collection: str) -> None:
    server, _ = migrated
    path = f"/{user}/{collection}/"
    before = objects(stock.session(user), stock.url + path)
    after = objects(server.session(user, USERS[user]), server.url + path)
    assert after == before and len(after) in (3, 4)


GENERATED = {"birthdays", "follow-ups"}


def _caldav_view(url: str, user: str) -> dict[str, list[str]]:
    principal = caldav.DAVClient(url=url + "/", username=user,
                                 password=USERS[user]).principal()
    # the server-generated birthday and follow-up calendars exist only on cms_dav
    return {calendar.get_display_name(): sorted(
        str(event.icalendar_component["UID"]) for event in calendar.events())
        for calendar in principal.calendars()
        if str(calendar.url).rstrip("/").rsplit("/", 1)[-1] not in GENERATED}


@pytest.mark.parametrize("user", USERS)
def test_the_caldav_client_sees_the_same_calendars_and_events(
        stock: StockRadicale, migrated: tuple[ServerProcess, dict], user: str) -> None:
    server, _ = migrated
    assert _caldav_view(server.url, user) == _caldav_view(stock.url, user)


def test_displaynames_and_collection_properties_are_kept(
        stock: StockRadicale, migrated: tuple[ServerProcess, dict]) -> None:
    server, _ = migrated
    body = ("<d:propfind xmlns:d='DAV:'><d:prop><d:displayname/><d:resourcetype/>"
            "</d:prop></d:propfind>")

    def listing(url: str, session) -> str:  # type: ignore[no-untyped-def]
        response = session.request("PROPFIND", url, data=body, headers={"Depth": "0"})
        return response.text

    for path in ("/alice/contacts/", "/alice/calendar/"):
        old = listing(stock.url + path, stock.session("alice"))
        new = listing(server.url + path, server.session("alice", "alice-pw"))
        assert "alice&#x27;s" in new or "alice's" in new
        assert ("addressbook" in old) == ("addressbook" in new)
        assert ("calendar" in old.split("resourcetype")[1]) == \
            ("calendar" in new.split("resourcetype")[1])


@requires_vdirsyncer
def test_vdirsyncer_continues_on_cms_dav_without_changing_anything(
        stock: StockRadicale, migrated: tuple[ServerProcess, dict], tmp_path: Path) -> None:
    server, _ = migrated
    config = contacts_and_calendar_config(tmp_path, stock.url, "bob", USERS["bob"])
    discover_and_sync(config)
    local = sorted(p.name for p in (tmp_path / "vdir").rglob("*") if p.is_file())
    config.write_text(config.read_text().replace(stock.url, server.url))
    output = discover_and_sync(config)
    assert "Copying" not in output and "Deleting" not in output, output
    assert sorted(p.name for p in (tmp_path / "vdir").rglob("*") if p.is_file()) == local
    assert len(objects(server.session("bob", "bob-pw"), server.url + "/bob/contacts/")) == 4


def test_migrating_into_a_collection_that_has_items_skips_it(
        stock: StockRadicale, migrated: tuple[ServerProcess, dict]) -> None:
    server, _ = migrated
    report = run_json(server.data_dir, "import-radicale", str(stock.storage))
    assert report["collections"] == 0 and len(report["skipped"]) == 4


def test_migrated_files_keep_their_bytes(tmp_path: Path) -> None:
    """Files a client wrote (Radicale 3.x kept what vobject made of them; other tools
    write their own text): each object is stored as its file has it (issue 12)."""
    from tests.support.lossless_samples import CARDS, LISTS_CALENDAR, crlf
    root = tmp_path / "collection-root" / "alice"
    book, calendar = root / "book", root / "calendar"
    book.mkdir(parents=True)
    calendar.mkdir()
    (book / ".Radicale.props").write_text('{"tag": "VADDRESSBOOK"}')
    (calendar / ".Radicale.props").write_text('{"tag": "VCALENDAR"}')
    for uid, text in CARDS.items():
        (book / f"{uid}.vcf").write_bytes(text.replace("\r\n", "\n").encode())
    (calendar / "lists.ics").write_bytes(LISTS_CALENDAR.encode())
    data_dir = tmp_path / "data"
    report = run_json(data_dir, "import-radicale", str(tmp_path))
    assert report["items"] == len(CARDS) + 1 and not report["skipped"]
    server = ServerProcess(data_dir=data_dir)
    server.add_user("alice", "alice-pw")
    server.start()
    try:
        alice = server.session("alice", "alice-pw")
        for uid, text in CARDS.items():
            assert alice.get(f"{server.url}/alice/book/{uid}.vcf").content == \
                crlf(text).encode(), uid
        assert alice.get(f"{server.url}/alice/calendar/lists.ics").content == \
            LISTS_CALENDAR.encode()
    finally:
        server.stop()
