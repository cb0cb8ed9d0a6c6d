"""``cms-dav export``: formats, filters, and export -> import round trips."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from cms_dav.io.contact_record import vcard_to_record
from tests.io.people import generate_people
from tests.io.support import objects, run_cli, run_json, write
from tests.io.tables import csv_bytes
from tests.support.dav import make_addressbook
from tests.support.server import ServerProcess


def _contacts(session: requests.Session, url: str) -> set[tuple]:
    """What a round trip must keep: names, phones, e-mails, categories, notes."""
    found = set()
    for _, text in objects(session, url).values():
        r = vcard_to_record(text)
        found.add((r.fn, r.given, r.family, tuple(sorted(v for _, v in r.phones)),
                   tuple(sorted(v for _, v in r.emails)), tuple(sorted(r.categories)), r.note))
    return found


@pytest.fixture(scope="module")
def source_book(live: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> str:
    book = "/alice/export-source/"
    make_addressbook(live.session("alice", "alice-pw"), live.url + book)
    people = generate_people(60, seed=17)
    source = write(tmp_path_factory.mktemp("export") / "people.csv", csv_bytes(people, "utf-8"))
    run_cli(live.data_dir, "import", str(source), "--into", book)
    return book


@pytest.mark.parametrize("fmt", ["vcf", "csv", "xlsx"])
def test_export_then_import_gives_the_same_contacts(
        live: ServerProcess, alice: requests.Session, source_book: str, book: str,
        files: Path, fmt: str) -> None:
    exported = files / f"out.{fmt}"
    run_cli(live.data_dir, "export", source_book, "--format", fmt, "--output", str(exported))
    report = run_json(live.data_dir, "import", str(exported), "--into", book)
    assert report["created"] == 60 and not report["rejected"]
    assert _contacts(alice, live.url + book) == _contacts(alice, live.url + source_book)


def test_csv_export_starts_with_a_bom_for_excel(live: ServerProcess, source_book: str) -> None:
    result = run_cli(live.data_dir, "export", source_book, "--format", "csv")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfUID,Name,")


def test_xlsx_export_has_a_header_row(live: ServerProcess, source_book: str,
                                      files: Path) -> None:
    target = files / "out.xlsx"
    run_cli(live.data_dir, "export", source_book, "--format", "xlsx", "--output", str(target))
    rows = list(load_workbook(io.BytesIO(target.read_bytes())).active.values)
    assert rows[0][:2] == ("UID", "Name") and len(rows) == 61


def test_category_filter_exports_only_that_category(
        live: ServerProcess, alice: requests.Session, source_book: str) -> None:
    vcf = run_cli(live.data_dir, "export", source_book, "--format", "vcf",
                  "--category", "klienci").stdout
    expected = sum("Klienci" in vcard_to_record(text).categories
                   for _, text in objects(alice, live.url + source_book).values())
    assert 0 < vcf.count("BEGIN:VCARD") == expected
    assert all("Klienci" in card for card in vcf.split("END:VCARD")[:-1])


def test_search_filter_exports_the_matching_contact(
        live: ServerProcess, alice: requests.Session, source_book: str) -> None:
    some = vcard_to_record(next(iter(objects(alice, live.url + source_book).values()))[1])
    vcf = run_cli(live.data_dir, "export", source_book, "--format", "vcf",
                  "--search", some.emails[0][1]).stdout
    assert vcf.count("BEGIN:VCARD") == 1 and some.emails[0][1] in vcf


def test_an_address_book_cannot_be_exported_as_ics(live: ServerProcess,
                                                  source_book: str) -> None:
    result = run_cli(live.data_dir, "export", source_book, "--format", "ics", ok=False)
    assert result.exit_code == 1 and "address book" in result.stderr


def test_a_calendar_exports_as_one_ics(live: ServerProcess, calendar: str,
                                       alice: requests.Session) -> None:
    from tests.support.dav import vevent
    for n in range(2):
        alice.put(f"{live.url}{calendar}e{n}.ics", data=vevent(f"e{n}", f"Talk {n}").encode(),
                  headers={"Content-Type": "text/calendar"})
    ics = run_cli(live.data_dir, "export", calendar, "--format", "ics").stdout
    assert ics.count("BEGIN:VCALENDAR") == 1 and ics.count("BEGIN:VEVENT") == 2
