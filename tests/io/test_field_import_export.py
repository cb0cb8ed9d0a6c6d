"""Custom fields through import and export (issue 14 item 1), against a real server."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.contacts.test_custom_fields import FIELDS_TOML
from tests.contacts.test_custom_fields_http import fields_server
from tests.io.support import login, objects, run_cli, run_json, write
from tests.io.test_table_import import csv_bytes, xlsx_bytes
from tests.support.dav import make_addressbook, put_card, vcard
from tests.support.server import ServerProcess

HEADER = ["姓名", "邮箱", "行业", "来源渠道", "spend", "First-Order"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with fields_server(tmp_path_factory.mktemp("fields-io")) as server:
        login(server, "alice")
        yield server


# ``alice`` and ``book`` are tests/io/conftest.py's, on this module's ``live``


def field_lines(session: requests.Session, url: str) -> dict[str, list[str]]:
    """FN -> the card's X-CMS-FIELD lines (vobject's `\\;` read as ';')."""
    found = {}
    for _, text in objects(session, url).values():
        lines = text.replace("\r\n ", "").splitlines()
        fn = next(line[3:] for line in lines if line.startswith("FN:"))
        found[fn] = sorted(line.replace("\\;", ";") for line in lines
                           if line.startswith("X-CMS-FIELD:"))
    return found


def test_a_gb18030_csv_with_field_columns_imports_them(
        live: ServerProcess, alice: requests.Session, book: str, tmp_path: Path) -> None:
    rows = [["张伟", "zw@example.com", "manufacturing", "展会", "050000", "20260301"],
            ["Anna Nowak", "anna@example.com", "Retail", "", "9000.50", ""]]
    path = write(tmp_path / "客户.csv", csv_bytes(HEADER, rows, encoding="gb18030"))
    report = run_json(live.data_dir, "import", str(path), "--into", book)
    assert report["encoding"] == "gb18030" and report["created"] == 2, report
    assert field_lines(alice, live.url + book) == {
        "张伟": ["X-CMS-FIELD:first-order;2026-03-01", "X-CMS-FIELD:industry;Manufacturing",
               "X-CMS-FIELD:source;展会", "X-CMS-FIELD:spend;50000"],
        "Anna Nowak": ["X-CMS-FIELD:industry;Retail", "X-CMS-FIELD:spend;9000.5"]}


def test_a_bad_number_and_an_unknown_choice_are_rejected_with_row_numbers(
        live: ServerProcess, alice: requests.Session, book: str, tmp_path: Path) -> None:
    rows = [["Good Row", "good@example.com", "Retail", "", "100", ""],
            ["Bad Number", "n@example.com", "Retail", "", "9,000", ""],
            ["Bad Choice", "c@example.com", "Mining", "", "1", ""]]
    path = write(tmp_path / "bad.csv", csv_bytes(HEADER, rows))
    report = run_json(live.data_dir, "import", str(path), "--into", book)
    assert report["created"] == 1
    assert [(r["number"], r["reason"]) for r in report["rejected"]] == [
        (3, "field 'spend': '9,000' is not a number (expected e.g. 50000 or 1234.5)"),
        (4, "field 'industry': 'Mining' is not one of its choices (Manufacturing, Retail)")]
    assert list(field_lines(alice, live.url + book)) == ["Good Row"]


def test_an_xlsx_column_named_by_a_polish_label_imports_the_field(
        live: ServerProcess, alice: requests.Session, book: str, tmp_path: Path) -> None:
    data = xlsx_bytes(["Name", "Email", "Branża"], [["Jan Kowalski", "jan@example.pl", "retail"]])
    report = run_json(live.data_dir, "import", str(write(tmp_path / "k.xlsx", data)),
                      "--into", book)
    assert report["created"] == 1, report
    assert field_lines(alice, live.url + book) == {
        "Jan Kowalski": ["X-CMS-FIELD:industry;Retail"]}


def test_a_mapping_file_names_a_field_by_key(
        live: ServerProcess, alice: requests.Session, book: str, tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.toml", '"Customer" = "fn"\n"Umsatz" = "field:spend"\n'.encode())
    data = write(tmp_path / "m.csv", csv_bytes(["Customer", "Umsatz"], [["Müller GmbH", "7"]]))
    run_cli(live.data_dir, "import", str(data), "--into", book, "--mapping", str(mapping))
    assert field_lines(alice, live.url + book) == {"Müller GmbH": ["X-CMS-FIELD:spend;7"]}


def test_export_writes_one_column_per_field_and_imports_back(
        live: ServerProcess, alice: requests.Session, book: str, tmp_path: Path) -> None:
    put_card(alice, f"{live.url}{book}zw.vcf", vcard(
        "zw", "Zhang Wei", "EMAIL:zw@example.com\r\nX-CMS-FIELD:industry;Retail\r\n"
        "X-CMS-FIELD:spend;50000\r\nX-CMS-FIELD:first-order;2026-03-01\r\n"))
    out = tmp_path / "out.csv"
    run_cli(live.data_dir, "export", book, "--format", "csv", "--output", str(out))
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    # vip is scoped to group:sales, which alice's books are not in
    assert list(table[0])[-5:] == ["Interactions", "industry", "source", "spend", "first-order"]
    assert {k: table[0][k] for k in ("industry", "source", "spend", "first-order")} == {
        "industry": "Retail", "source": "", "spend": "50000", "first-order": "2026-03-01"}
    again = f"/alice/ab-{uuid.uuid4().hex[:8]}/"
    make_addressbook(alice, live.url + again)
    run_cli(live.data_dir, "import", str(out), "--into", again)
    assert field_lines(alice, live.url + again) == field_lines(alice, live.url + book)


def test_reimport_by_e_mail_takes_the_files_value_and_keeps_the_others(
        live: ServerProcess, alice: requests.Session, book: str, tmp_path: Path) -> None:
    put_card(alice, f"{live.url}{book}zw.vcf", vcard(
        "zw", "Zhang Wei", "EMAIL:zw@example.com\r\nX-CMS-FIELD:industry;Retail\r\n"
        "X-CMS-FIELD:spend;50000\r\n"))
    path = write(tmp_path / "u.csv", csv_bytes(["Name", "Email", "spend"],
                                               [["Zhang Wei", "zw@example.com", "60000"]]))
    report = run_json(live.data_dir, "import", str(path), "--into", book)
    assert report["updated"] == 1, report
    assert field_lines(alice, live.url + book) == {
        "Zhang Wei": ["X-CMS-FIELD:industry;Retail", "X-CMS-FIELD:spend;60000"]}


def test_reimporting_a_row_whose_field_value_changed_updates_that_contact(
        live: ServerProcess, alice: requests.Session, book: str, tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", csv_bytes(["Name", "spend"], [["Wang Fang", "100"]]))
    second = write(tmp_path / "b.csv", csv_bytes(["Name", "spend"], [["Wang Fang", "200"]]))
    assert run_json(live.data_dir, "import", str(first), "--into", book)["created"] == 1
    report = run_json(live.data_dir, "import", str(second), "--into", book)
    assert (report["created"], report["updated"]) == (0, 1), report
    assert field_lines(alice, live.url + book) == {"Wang Fang": ["X-CMS-FIELD:spend;200"]}


def test_backup_and_restore_carry_the_fields_file(live: ServerProcess, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    run_cli(live.data_dir, "backup", str(archive))
    target = tmp_path / "restored"
    run_cli(target, "restore", str(archive))
    assert (target / "fields.toml").read_text(encoding="utf-8") == FIELDS_TOML
