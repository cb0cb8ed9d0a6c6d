"""Export downloads and import (upload, dry-run preview, commit) over HTTP: rights
through the ACL policy, CSRF on both POSTs, the size bound, row errors, escaping."""

from __future__ import annotations

import base64
import re

import pytest
import requests

from tests.support.dav import make_addressbook
from tests.support.server import ServerProcess
from tests.web.support import csrf_of

TRANSFER = "/app/transfer"
CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\n"
        "END:VCARD\r\n")
#: [web] import_max_bytes's default
LIMIT = 5_000_000


@pytest.fixture(scope="module")
def imports(web_server: ServerProcess) -> str:
    """alice's own book for this file's imports (the seeded books stay as they are)."""
    make_addressbook(web_server.session("alice", "alice-pw"),
                     f"{web_server.url}/alice/imports/", "Imports")
    return "alice/imports"


def _token(server: ServerProcess, web: requests.Session) -> str:
    return csrf_of(web.get(f"{server.url}{TRANSFER}").text)


def _preview(server: ServerProcess, web: requests.Session, book: str, name: str,
             data: bytes, csrf: str | None = None) -> requests.Response:
    fields = {"book": book} | ({"csrf": csrf} if csrf is not None else
                               {"csrf": _token(server, web)})
    return web.post(f"{server.url}/app/import", data=fields, files={"file": (name, data)})


def _commit_form(html: str) -> dict[str, str]:
    form = html.split('action="/app/import/commit"')[1].split("</form>")[0]
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


def test_a_book_downloads_as_vcard_csv_and_xlsx(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = f"{web_server.url}/app/export/alice/contacts"
    vcf = alice_web.get(url, params={"format": "vcf"})
    assert vcf.status_code == 200 and vcf.headers["Content-Type"].startswith("text/vcard")
    assert "attachment" in vcf.headers["Content-Disposition"] and "FN:张伟" in vcf.text
    csv = alice_web.get(url, params={"format": "csv"})
    assert csv.headers["Content-Type"].startswith("text/csv") and "张伟" in csv.text
    xlsx = alice_web.get(url, params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_book_the_caller_may_not_read_cannot_be_exported(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    answer = bob_web.get(f"{web_server.url}/app/export/alice/contacts")
    assert answer.status_code == 404 and "张伟" not in answer.text
    shared = bob_web.get(f"{web_server.url}/app/export/alice/shared")
    assert shared.status_code == 200 and "Anna Nowak" in shared.text


def test_the_preview_stores_nothing_and_the_commit_stores_the_cards(
        web_server: ServerProcess, alice_web: requests.Session, imports: str) -> None:
    data = CARD.format(uid="imp-1", name="Zofia Importowska").encode()
    preview = _preview(web_server, alice_web, imports, "one.vcf", data)
    assert preview.status_code == 200
    assert re.search(r'class="created">1<', preview.text)
    dav = web_server.session("alice", "alice-pw")
    assert dav.get(f"{web_server.url}/alice/imports/imp-1.vcf").status_code == 404
    done = alice_web.post(f"{web_server.url}/app/import/commit",
                          files={k: (None, v) for k, v in _commit_form(preview.text).items()})
    assert done.status_code == 200 and re.search(r'class="created">1<', done.text)
    assert "Zofia Importowska" in dav.get(f"{web_server.url}/alice/imports/imp-1.vcf").text


def test_the_preview_lists_the_rows_with_errors(
        web_server: ServerProcess, alice_web: requests.Session, imports: str) -> None:
    data = "Name,E-mail\nJan Nowak,jan@example.com\nZle,zle@example.com,extra\n".encode()
    preview = _preview(web_server, alice_web, imports, "people.csv", data)
    assert preview.status_code == 200
    assert re.search(r'class="rejected">1<', preview.text)
    assert "row 3" in preview.text and "header has 2 columns" in preview.text


def test_an_import_without_the_csrf_token_is_refused(
        web_server: ServerProcess, alice_web: requests.Session, imports: str) -> None:
    data = CARD.format(uid="imp-forged", name="Forged").encode()
    answer = _preview(web_server, alice_web, imports, "f.vcf", data, csrf="")
    assert answer.status_code == 403
    commit = alice_web.post(f"{web_server.url}/app/import/commit",
                            files={"book": (None, imports), "filename": (None, "f.vcf"),
                                   "payload": (None, "QkVHSU46VkNBUkQ=")})
    assert commit.status_code == 403


def test_a_reader_cannot_import_into_a_read_only_book(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    data = CARD.format(uid="imp-bob", name="Bob Was Here").encode()
    answer = _preview(web_server, bob_web, "alice/shared", "b.vcf", data)
    assert answer.status_code == 403
    assert "may read /alice/shared/ but not change it" in answer.text


def test_the_import_form_offers_only_books_the_caller_may_write(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    html = bob_web.get(f"{web_server.url}{TRANSFER}").text
    form = html.split('action="/app/import"')[1]
    assert 'value="bob/contacts"' in form and 'value="alice/shared"' not in form


def test_an_oversized_upload_is_413_naming_the_limit(
        web_server: ServerProcess, alice_web: requests.Session, imports: str) -> None:
    answer = _preview(web_server, alice_web, imports, "big.vcf", b"x" * (LIMIT + 1))
    assert answer.status_code == 413
    assert f"{LIMIT} bytes" in answer.text and "import_max_bytes" in answer.text


def test_a_file_name_that_is_markup_is_escaped_in_the_preview(
        web_server: ServerProcess, alice_web: requests.Session, imports: str) -> None:
    data = CARD.format(uid="imp-2", name="Escaped").encode()
    preview = _preview(web_server, alice_web, imports, "<b>x</b>.vcf", data)
    assert preview.status_code == 200
    assert "<b>x</b>" not in preview.text and "&lt;b&gt;x&lt;/b&gt;.vcf" in preview.text


def test_a_commit_of_a_file_past_the_limit_is_413_naming_the_limit(
        web_server: ServerProcess, alice_web: requests.Session, imports: str) -> None:
    payload = base64.b64encode(b"x" * (LIMIT + 1)).decode()
    answer = alice_web.post(f"{web_server.url}/app/import/commit",
                            files={"csrf": (None, _token(web_server, alice_web)),
                                   "book": (None, imports), "filename": (None, "big.vcf"),
                                   "payload": (None, payload)})
    assert answer.status_code == 413
    assert f"{LIMIT} bytes" in answer.text


def test_a_get_of_the_import_step_leads_back_to_the_form(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.get(f"{web_server.url}/app/import", allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"] == TRANSFER


def test_the_import_form_states_the_limit_in_the_readers_language(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    polish = alice_web.get(f"{web_server.url}{TRANSFER}", headers={"Accept-Language": "pl"})
    assert "Najwyżej 5\xa0000\xa0000 bajtów" in polish.text
