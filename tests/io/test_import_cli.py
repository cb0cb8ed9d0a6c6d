"""``cms-dav import`` into a running server's data dir, checked over HTTP."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import requests

from tests.io.people import generate_people
from tests.io.support import cli_json, objects, run_cli, run_json, write
from tests.io.tables import csv_bytes, xlsx_bytes
from tests.support.dav import make_addressbook, vevent
from tests.support.server import ServerProcess

POLISH = ("ą", "ć", "ę", "ł", "ń", "ó", "ś", "ź", "ż", "Ł", "Ż", "Ś")


def _names_over_http(session: requests.Session, url: str) -> set[str]:
    names = set()
    for _, text in objects(session, url).values():
        for line in text.splitlines():
            if line.startswith("FN:"):
                names.add(line[3:])
    return names


def _mixed_people(count: int) -> list:
    """Chinese and Polish names (and English ones)."""
    people = generate_people(count, seed=11)
    assert any(any(ch in p.fn for ch in POLISH) for p in people)
    assert any("\u4e00" <= p.fn[0] <= "\u9fff" for p in people)
    return people


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_with_chinese_and_polish_names_arrives_intact(
        live: ServerProcess, alice: requests.Session, book: str, files: Path,
        encoding: str) -> None:
    people = _mixed_people(40)
    source = write(files / "people.csv", csv_bytes(people, encoding))
    report = run_json(live.data_dir, "import", str(source), "--into", book)
    assert report["created"] == len(people) and not report["rejected"]
    assert _names_over_http(alice, live.url + book) == {p.fn for p in people}


def test_windows_1250_semicolon_csv_with_polish_names_arrives_intact(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    people = [p for p in generate_people(120, seed=5) if p.fn.isascii() or
              any(ch in p.fn for ch in POLISH)][:40]
    people = [dataclasses.replace(p, org="", note="", categories=[]) for p in people]
    source = write(files / "people.csv", csv_bytes(people, "cp1250", delimiter=";"))
    report = run_json(live.data_dir, "import", str(source), "--into", book)
    assert report["encoding"] == "cp1250"
    assert _names_over_http(alice, live.url + book) == {p.fn for p in people}


def test_xlsx_with_chinese_and_polish_names_arrives_intact(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    people = _mixed_people(30)
    source = write(files / "people.xlsx", xlsx_bytes(people))
    run_cli(live.data_dir, "import", str(source), "--into", book)
    assert _names_over_http(alice, live.url + book) == {p.fn for p in people}


@pytest.fixture(scope="module")
def five_bad_of_500(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    people = generate_people(500, seed=3)
    bad_indexes = [0, 77, 250, 251, 499]
    for index in bad_indexes:
        people[index] = dataclasses.replace(people[index], emails=[("", "not-an-e-mail")])
    rows = [index + 2 for index in bad_indexes]  # the header is row 1
    source = tmp_path_factory.mktemp("five-bad") / "500.csv"
    return write(source, csv_bytes(people, "utf-8-sig")), rows


@pytest.fixture(scope="module")
def imported_500(live: ServerProcess, five_bad_of_500: tuple[Path, list[int]]
                 ) -> tuple[str, dict]:
    """The 500-row file imported once (495 writes take seconds): (book, report)."""
    book = "/alice/five-hundred/"
    make_addressbook(live.session("alice", "alice-pw"), live.url + book)
    return book, run_json(live.data_dir, "import", str(five_bad_of_500[0]), "--into", book)


def test_five_bad_rows_among_500_are_reported_and_the_rest_imported(
        live: ServerProcess, alice: requests.Session, imported_500: tuple[str, dict],
        five_bad_of_500: tuple[Path, list[int]]) -> None:
    book, report = imported_500
    assert report["created"] == 495
    assert [r["number"] for r in report["rejected"]] == five_bad_of_500[1]
    assert all("not-an-e-mail" in r["reason"] for r in report["rejected"])
    assert len(objects(alice, live.url + book)) == 495


def test_rejected_rows_are_listed_with_their_row_numbers_in_the_text_report(
        live: ServerProcess, book: str, five_bad_of_500: tuple[Path, list[int]]) -> None:
    source, bad_rows = five_bad_of_500
    output = run_cli(live.data_dir, "import", str(source), "--into", book, "--dry-run").stdout
    assert "rejected 5" in output
    for row in bad_rows:
        assert f"rejected row {row}:" in output


def test_reimporting_the_same_file_creates_nothing_new(
        live: ServerProcess, alice: requests.Session, imported_500: tuple[str, dict],
        five_bad_of_500: tuple[Path, list[int]]) -> None:
    book, _ = imported_500
    before = objects(alice, live.url + book)
    again = run_json(live.data_dir, "import", str(five_bad_of_500[0]), "--into", book)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 495)
    assert objects(alice, live.url + book) == before


def test_a_row_matching_an_existing_contact_by_email_updates_it(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    person = generate_people(1, seed=21)[0]
    run_cli(live.data_dir, "import", str(write(files / "a.csv", csv_bytes([person], "utf-8"))),
            "--into", book)
    changed = dataclasses.replace(person, fn=person.fn + " Jr", title="Boss",
                                  emails=[("", person.emails[0][1].upper())])
    report = run_json(live.data_dir, "import", str(write(files / "b.csv", csv_bytes(
        [changed], "utf-8"))), "--into", book)
    assert (report["created"], report["updated"]) == (0, 1)
    [(_, text)] = objects(alice, live.url + book).values()
    assert "TITLE:Boss" in text


def test_dry_run_reports_but_stores_nothing(
        live: ServerProcess, alice: requests.Session, book: str,
        five_bad_of_500: tuple[Path, list[int]]) -> None:
    source, _ = five_bad_of_500
    report = run_json(live.data_dir, "import", str(source), "--into", book, "--dry-run")
    assert (report["created"], len(report["rejected"]), report["dry_run"]) == (495, 5, True)
    assert objects(alice, live.url + book) == {}


def test_ics_goes_into_a_calendar_and_reimport_matches_by_uid(
        live: ServerProcess, alice: requests.Session, calendar: str, files: Path) -> None:
    body = "".join(vevent(f"ev-{n}", f"Meeting {n}").split("BEGIN:VEVENT", 1)[1]
                   .rsplit("END:VCALENDAR", 1)[0] for n in range(3))
    source = write(files / "events.ics", ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
                                          "BEGIN:VEVENT" + body.replace(
                                              "END:VEVENT\r\n", "END:VEVENT\r\nBEGIN:VEVENT", 2)
                                          + "END:VCALENDAR\r\n").encode())
    first = run_json(live.data_dir, "import", str(source), "--into", calendar)
    second = run_json(live.data_dir, "import", str(source), "--into", calendar)
    assert (first["created"], second["created"], second["unchanged"]) == (3, 0, 3)
    assert sorted(objects(alice, live.url + calendar)) == [
        f"{calendar}ev-{n}.ics" for n in range(3)]


def test_contacts_are_refused_by_a_calendar(live: ServerProcess, calendar: str,
                                            files: Path) -> None:
    source = write(files / "a.csv", csv_bytes(generate_people(1), "utf-8"))
    result = run_cli(live.data_dir, "import", str(source), "--into", calendar, ok=False)
    assert result.exit_code == 1 and "not an address book" in result.stderr


def test_a_user_cannot_import_into_someone_elses_book(live: ServerProcess, book: str,
                                                      files: Path) -> None:
    source = write(files / "a.csv", csv_bytes(generate_people(1), "utf-8"))
    result = run_cli(live.data_dir, "import", str(source), "--into", book, "--user", "bob",
                     ok=False)
    assert result.exit_code == 1 and "may not write" in result.stderr


def test_a_file_without_a_recognisable_header_is_refused_and_nothing_stored(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    source = write(files / "odd.csv", "Foo,Bar\n1,2\n".encode())
    result = run_cli(live.data_dir, "import", str(source), "--into", book, ok=False)
    assert result.exit_code == 1 and "odd.csv" in result.stderr and "header" in result.stderr
    assert objects(alice, live.url + book) == {}


def test_a_mapping_file_names_the_columns_of_any_sheet(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    source = write(files / "crm.csv", "Kontakt;Telefon komórkowy;Dział\n"
                   "Łucja Żak;+48 601 111 222;Zakupy\n".encode("cp1250"))
    mapping = write(files / "map.toml", 'Kontakt = "fn"\n"Telefon komórkowy" = "phone:cell"\n'
                    '"Dział" = "categories"\n'.encode())
    run_cli(live.data_dir, "import", str(source), "--into", book, "--mapping", str(mapping))
    [(_, text)] = objects(alice, live.url + book).values()
    assert "FN:Łucja Żak" in text and "+48 601 111 222" in text and "Zakupy" in text


def test_the_command_with_a_worker_stores_what_it_stores_without(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    """``--workers 1``: a spawned process reads the rows (one merged by e-mail)."""
    people = _mixed_people(40)
    people += [dataclasses.replace(people[2], fn=people[2].fn + " II"), people[5]]
    source = write(files / "people.csv", csv_bytes(people, "utf-8-sig"))
    other = book.rstrip("/") + "-alone/"
    make_addressbook(alice, live.url + other)
    with_worker = cli_json(live, "import", str(source), "--into", book, "--workers", "1")
    alone = cli_json(live, "import", str(source), "--into", other, "--workers", "0")
    assert with_worker == alone
    stored = {href.rsplit("/", 1)[1]: found
              for href, found in objects(alice, live.url + book).items()}
    assert stored == {href.rsplit("/", 1)[1]: found
                      for href, found in objects(alice, live.url + other).items()}
    assert len(stored) == 40
