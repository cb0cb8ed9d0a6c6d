"""Issue 12, item 4: ``cms-dav import`` keeps each object of a .vcf/.ics file as the
file has it, and ``cms-dav export`` gives back what was stored (byte for byte per
object, after CRLF normalisation), read back over HTTP from a real server."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.io.support import run_cli, run_json, write
from tests.support.lossless_samples import (BERLIN, CARDS, COMMA_CARD, LISTS_CALENDAR,
                                            RDATE_EXDATE_EVENT, crlf, event_calendar)
from tests.support.server import ServerProcess


def _get(session: requests.Session, url: str) -> bytes:
    answer = session.get(url)
    assert answer.status_code == 200, url
    return answer.content


def test_vcf_import_keeps_each_card_as_written(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    source = write(files / "cards.vcf", "".join(CARDS.values()).encode())
    report = run_json(live.data_dir, "import", str(source), "--into", book)
    assert report["created"] == len(CARDS) and not report["rejected"]
    for uid, text in CARDS.items():
        assert _get(alice, f"{live.url}{book}{uid}.vcf") == crlf(text).encode(), uid


def test_vcf_import_with_bare_lf_stores_crlf_lines(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    source = write(files / "lf.vcf", COMMA_CARD.replace("\r\n", "\n").encode())
    run_cli(live.data_dir, "import", str(source), "--into", book)
    assert _get(alice, f"{live.url}{book}comma.vcf") == crlf(COMMA_CARD).encode()


def test_vcf_import_adds_a_missing_uid_as_one_line_and_keeps_the_others(
        live: ServerProcess, alice: requests.Session, book: str, files: Path) -> None:
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid, Yet\r\nNOTE:keep, this\r\n"
            "END:VCARD\r\n")
    source = write(files / "no-uid.vcf", card.encode())
    run_cli(live.data_dir, "import", str(source), "--into", book)
    (href,) = [h for h in _hrefs(alice, live.url + book)]
    stored = _get(alice, live.url + href).decode()
    lines = stored.split("\r\n")
    assert lines[2].startswith("UID:urn:uuid:")
    assert lines[:2] + lines[3:] == card.split("\r\n")


def test_reimporting_the_same_vcf_changes_nothing(
        live: ServerProcess, book: str, files: Path) -> None:
    source = write(files / "cards.vcf", "".join(CARDS.values()).encode())
    run_cli(live.data_dir, "import", str(source), "--into", book)
    again = run_json(live.data_dir, "import", str(source), "--into", book)
    assert again["unchanged"] == len(CARDS) and again["updated"] == 0


def test_ics_import_keeps_each_object_as_written(
        live: ServerProcess, alice: requests.Session, calendar: str, files: Path) -> None:
    plain = ["BEGIN:VEVENT", "UID:plain", "DTSTAMP:20260101T000000Z",
             "DTSTART:20260301T100000Z", "LOCATION:aka bild, wien", "END:VEVENT"]
    source = write(files / "cal.ics",
                   event_calendar([BERLIN, RDATE_EXDATE_EVENT, plain]).encode())
    report = run_json(live.data_dir, "import", str(source), "--into", calendar)
    assert report["created"] == 2 and not report["rejected"]
    assert _get(alice, f"{live.url}{calendar}lists.ics") == crlf(LISTS_CALENDAR).encode()
    assert _get(alice, f"{live.url}{calendar}plain.ics") == \
        crlf(event_calendar([plain])).encode()


def test_ics_import_names_the_line_the_object_validator_refuses(
        live: ServerProcess, calendar: str, files: Path) -> None:
    broken = ["BEGIN:VEVENT", "UID:broken", "DTSTAMP:20260101T000000Z",
              "DTSTART:20260301T100000Z", "this is no property", "END:VEVENT"]
    source = write(files / "broken.ics", event_calendar([broken]).encode())
    report = run_json(live.data_dir, "import", str(source), "--into", calendar)
    (rejected,) = report["rejected"]
    assert "line 8" in rejected["reason"] and "this is no property" in rejected["reason"]


def test_vcf_export_gives_back_each_stored_card(
        live: ServerProcess, book: str, files: Path) -> None:
    source = write(files / "cards.vcf", "".join(CARDS.values()).encode())
    run_cli(live.data_dir, "import", str(source), "--into", book)
    exported = run_cli(live.data_dir, "export", book, "--format", "vcf",
                       "--output", str(files / "out.vcf"))
    assert exported.exit_code == 0
    data = (files / "out.vcf").read_bytes().decode()
    assert sorted(_cards(data)) == sorted(crlf(text) for text in CARDS.values())


def test_ics_export_gives_back_each_stored_component_line_for_line(
        live: ServerProcess, calendar: str, files: Path) -> None:
    folded = ["BEGIN:VEVENT", "UID:folded", "DTSTAMP:20260101T000000Z",
              "DTSTART:20260301T100000Z", "DESCRIPTION:a description, folded by the",
              "  client where it liked", "END:VEVENT"]
    source = write(files / "cal.ics",
                   event_calendar([BERLIN, RDATE_EXDATE_EVENT, folded]).encode())
    run_cli(live.data_dir, "import", str(source), "--into", calendar)
    run_cli(live.data_dir, "export", calendar, "--format", "ics",
            "--output", str(files / "out.ics"))
    data = (files / "out.ics").read_bytes().decode()
    for lines in (BERLIN, RDATE_EXDATE_EVENT, folded):
        assert crlf("\r\n".join(lines)) in data


def _cards(data: str) -> list[str]:
    return ["BEGIN:VCARD" + part for part in data.split("BEGIN:VCARD")[1:]]


def _hrefs(session: requests.Session, url: str) -> list[str]:
    from xml.etree import ElementTree as ET
    answer = session.request("PROPFIND", url, headers={"Depth": "1"})
    return [h.text or "" for h in ET.fromstring(answer.content).iter("{DAV:}href")
            if (h.text or "").endswith(".vcf")]
