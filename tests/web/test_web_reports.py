"""The reports page over HTTP: only books the caller may read, charts as inline SVG
(no script), escaping, and titles in the reader's language."""

from __future__ import annotations

import re

import requests

from tests.support.server import ServerProcess
from tests.web.conftest import XSS

REPORTS = "/app/reports"


def test_the_reports_page_shows_tables_and_svg_charts_without_inline_script(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.get(f"{web_server.url}{REPORTS}")
    assert answer.status_code == 200
    assert '<table data-section="summary">' in answer.text
    assert '<svg class="chart bar"' in answer.text
    scripts = re.findall(r"<script[^>]*>", answer.text)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]


def test_a_name_that_is_markup_is_escaped_on_the_reports_page(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    html = alice_web.get(f"{web_server.url}{REPORTS}").text
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_report_covers_only_books_the_caller_may_read(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    html = bob_web.get(f"{web_server.url}{REPORTS}").text
    assert 'value="alice/shared"' in html and "Anna Nowak" in html
    assert 'value="alice/contacts"' not in html and "张伟" not in html


def test_a_report_of_a_book_the_caller_may_not_read_is_404(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    answer = bob_web.get(f"{web_server.url}{REPORTS}", params={"book": "alice/contacts"})
    assert answer.status_code == 404
    assert "张伟" not in answer.text


def test_a_report_of_one_book_lists_only_its_contacts(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    html = alice_web.get(f"{web_server.url}{REPORTS}", params={"book": "alice/shared"}).text
    assert "Anna Nowak" in html and "张伟" not in html


def test_an_out_of_range_parameter_is_a_422_naming_it(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.get(f"{web_server.url}{REPORTS}", params={"days": "0"})
    assert answer.status_code == 422
    assert "days" in answer.text


def test_the_reports_page_speaks_polish_and_chinese(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    polish = alice_web.get(f"{web_server.url}{REPORTS}", headers={"Accept-Language": "pl"})
    assert "Podsumowanie" in polish.text and "Bez kontaktu od 90 dni" in polish.text
    chinese = alice_web.get(f"{web_server.url}{REPORTS}",
                            headers={"Accept-Language": "zh-CN"})
    assert "摘要" in chinese.text and "没有电子邮件地址的联系人" in chinese.text
