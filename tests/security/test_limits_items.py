"""[limits] on items (issue 10, item 3): size, lines, line length, properties, unbounded
fast recurrence — refused with max-resource-size / max-instances (RFC 6352 §6.3.2.1,
RFC 4791 §5.3.2.1) before anything parses them, at every door, storing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.limits_support import (
    assert_refusal, hrefs, put, session, vcard, vevent,
)
from tests.support.server import ServerProcess


@pytest.fixture
def server(limits_server: ServerProcess) -> ServerProcess:
    return limits_server

def _book(server: ServerProcess) -> str:
    return f"{server.url}/alice/contacts/"


def _assert_still_works(server: ServerProcess, uid: str) -> None:
    client = session()
    assert put(client, f"{_book(server)}{uid}.vcf", vcard(uid)).status_code == 201
    assert client.get(f"{_book(server)}{uid}.vcf").status_code == 200


def test_a_card_larger_than_the_item_limit_is_refused_with_413_before_it_is_read(
        server: ServerProcess) -> None:
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:" + "A" * 7_500_000 + "\r\n"
    answer = put(session(), f"{_book(server)}photo.vcf", vcard("photo", photo))
    assert_refusal(answer, 413, "CR:max-resource-size", "limit is 1000000 bytes")
    assert session().get(f"{_book(server)}photo.vcf").status_code == 404
    _assert_still_works(server, "after-photo")


def test_a_property_line_longer_than_64_kb_unfolded_is_refused(server: ServerProcess) -> None:
    folded = "NOTE:" + "\r\n ".join(["x" * 70] * 1000) + "\r\n"  # 70 KB unfolded
    answer = put(session(), f"{_book(server)}wide.vcf", vcard("wide", folded))
    assert_refusal(answer, 403, "CR:max-resource-size", "longer than 65536 bytes")
    assert session().get(f"{_book(server)}wide.vcf").status_code == 404
    _assert_still_works(server, "after-wide")


def test_a_card_with_10000_tel_properties_is_refused(server: ServerProcess) -> None:
    phones = "".join(f"TEL:+4861{n:07d}\r\n" for n in range(10_000))
    answer = put(session(), f"{_book(server)}phones.vcf", vcard("phones", phones))
    assert_refusal(answer, 403, "CR:max-resource-size", "more than 5000 properties")
    assert session().get(f"{_book(server)}phones.vcf").status_code == 404
    _assert_still_works(server, "after-phones")


def test_an_event_with_more_than_10000_content_lines_is_refused(server: ServerProcess) -> None:
    component = "BEGIN:VEVENT\r\n" + "".join(
        f"X-FILL-{n}:v\r\n" for n in range(3500)) + "END:VEVENT\r\n"
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + component * 3 + "END:VCALENDAR\r\n"
    answer = put(session(), f"{server.url}/alice/calendar/lines.ics", body, "calendar")
    assert_refusal(answer, 403, "C:max-resource-size", "more than 10000 content lines")
    assert session().get(f"{server.url}/alice/calendar/lines.ics").status_code == 404


def test_a_contact_photo_of_900_kb_folded_as_clients_send_it_is_kept(
        server: ServerProcess) -> None:
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:" + "\r\n ".join(["QUJD" * 18] * 12_500) + "\r\n"
    answer = put(session(), f"{_book(server)}portrait.vcf", vcard("portrait", photo))
    assert answer.status_code == 201, answer.text[:300]


def test_an_unbounded_secondly_rule_is_refused_at_put_but_a_daily_one_is_kept(
        server: ServerProcess) -> None:
    calendar = f"{server.url}/alice/calendar/"
    answer = put(session(), calendar + "tick.ics", vevent("tick", "FREQ=SECONDLY"), "calendar")
    assert_refusal(answer, 403, "C:max-instances", "FREQ=SECONDLY or FREQ=MINUTELY")
    assert session().get(calendar + "tick.ics").status_code == 404
    daily = put(session(), calendar + "daily.ics", vevent("daily", "FREQ=DAILY"), "calendar")
    assert daily.status_code == 201, daily.text


def test_a_whole_collection_put_with_one_oversized_card_stores_nothing(
        server: ServerProcess) -> None:
    wide = "NOTE:" + "z" * 70_000 + "\r\n"
    body = vcard("fine-1") + vcard("too-wide", wide) + vcard("fine-2")
    answer = put(session(), f"{server.url}/alice/imported/", body)
    assert_refusal(answer, 403, "CR:max-resource-size", "longer than 65536 bytes")
    gone = session().request("PROPFIND", f"{server.url}/alice/imported/",
                             headers={"Depth": "0"})
    assert gone.status_code == 404
    _assert_still_works(server, "after-whole")


def test_cli_import_rejects_the_oversized_card_and_imports_the_others(
        server: ServerProcess, tmp_path: Path) -> None:
    wide = "NOTE:" + "w" * 70_000 + "\r\n"
    source = tmp_path / "people.vcf"
    source.write_text(vcard("imp-1") + vcard("imp-wide", wide) + vcard("imp-2"),
                      encoding="utf-8")
    result = server.cli("import", str(source), "--into", "/alice/contacts/")
    assert "longer than 65536 bytes" in result.stdout + result.stderr
    listed = hrefs(session(), _book(server))
    assert any("imp-1" in href for href in listed)
    assert any("imp-2" in href for href in listed)
    assert not any("imp-wide" in href for href in listed)
