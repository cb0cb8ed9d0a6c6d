"""Every error of the JSON API is an RFC 9457 problem (application/problem+json) that
names the field and the reason; a refused request stores nothing."""

from __future__ import annotations

import json
from http import HTTPStatus

import requests

from tests.api.support import API, book_url
from tests.support.server import ServerProcess

PROBLEM = "application/problem+json"


def assert_problem(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


def test_a_validation_error_names_the_field_and_the_reason(
        api_server: ServerProcess, alice: requests.Session) -> None:
    response = alice.post(book_url(api_server), json={
        "name": {"given": "Ewa"}, "emails": [{"value": "not an address"}]})
    body = assert_problem(response, 422)
    assert body["errors"] == [{"field": "body.emails.0.value",
                               "reason": body["errors"][0]["reason"]}]  # type: ignore[index]
    assert "pattern" in str(body["errors"])


def test_an_unknown_body_field_is_refused_by_name_and_nothing_is_stored(
        api_server: ServerProcess, alice: requests.Session) -> None:
    response = alice.post(book_url(api_server), json={
        "uid": "unknown-field-1", "name": {"given": "Ewa"}, "nickname": "E"})
    body = assert_problem(response, 422)
    assert body["errors"] == [{"field": "body.nickname", "reason": "unknown field"}]
    assert alice.get(f"{book_url(api_server)}/unknown-field-1.vcf").status_code == 404


def test_a_line_break_cannot_smuggle_a_property_into_the_card(
        api_server: ServerProcess, alice: requests.Session) -> None:
    response = alice.post(book_url(api_server), json={
        "uid": "smuggle-1", "name": {"given": "Ewa"}, "title": "CEO\r\nX-ADMIN:1"})
    assert_problem(response, 422)
    assert alice.get(f"{book_url(api_server)}/smuggle-1.vcf").status_code == 404


def test_an_unknown_route_under_the_api_is_a_problem(api_server: ServerProcess,
                                                     alice: requests.Session) -> None:
    assert_problem(alice.get(f"{api_server.url}{API}/no-such-thing"), 404)


def test_a_request_without_credentials_gets_401_with_a_basic_challenge(
        api_server: ServerProcess) -> None:
    response = requests.get(f"{api_server.url}{API}/address-books")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="cms_dav"'


def test_a_page_larger_than_the_cap_is_refused(api_server: ServerProcess,
                                               alice: requests.Session) -> None:
    body = assert_problem(alice.get(book_url(api_server), params={"limit": 201}), 422)
    assert body["errors"][0]["field"] == "query.limit"  # type: ignore[index]


def test_a_cursor_the_api_did_not_give_out_is_a_400(api_server: ServerProcess,
                                                    alice: requests.Session) -> None:
    assert_problem(alice.get(book_url(api_server), params={"cursor": "%%%"}), 400)


def test_the_openapi_document_is_public_and_says_3_1(api_server: ServerProcess) -> None:
    document = requests.get(f"{api_server.url}{API}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert f"{API}/address-books/{{owner}}/{{book}}/contacts" in document["paths"]


def test_the_docs_page_loads_swagger_ui_from_this_server(api_server: ServerProcess) -> None:
    page = requests.get(f"{api_server.url}{API}/docs")
    assert page.status_code == 200 and "http" not in page.text.split("<script", 1)[1][:200]
    script = requests.get(f"{api_server.url}{API}/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000


def test_no_password_reaches_the_server_log(api_server: ServerProcess,
                                            alice: requests.Session) -> None:
    alice.get(f"{api_server.url}{API}/address-books")
    requests.get(f"{api_server.url}{API}/address-books", auth=("alice", "Guess-0f-the-day"))
    log = api_server.log()
    assert "alice-pw" not in log and "Guess-0f-the-day" not in log


def test_an_api_body_over_max_body_bytes_is_a_413_problem_naming_the_limit(
        api_server: ServerProcess) -> None:
    """The bug: the server front refused it before the API saw it, in plain text."""
    from tests.serving.rawhttp import exchange, head

    answer = exchange(api_server, head("POST", f"{API}/address-books", {
        "Content-Type": "application/json", "Content-Length": "20000001"}))
    assert answer.status == 413
    assert answer.headers["content-type"] == PROBLEM
    body = json.loads(answer.body)
    assert body["status"] == 413 and body["title"] == HTTPStatus(413).phrase
    assert "10000000" in body["detail"]


def test_the_server_front_knows_the_api_prefix_for_its_problem_answers() -> None:
    from cms_dav.api.factory import PREFIX
    from cms_dav.serving.errors import PROBLEM_PATHS, wants_problem

    assert PROBLEM_PATHS == (PREFIX,)
    assert wants_problem(f"{PREFIX}/contacts?x=1") and not wants_problem("/alice/api/v1/")
