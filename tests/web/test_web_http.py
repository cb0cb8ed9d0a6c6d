"""The web app over HTTP: sign-in and sessions, CSRF, escaping, security headers,
rights through the ACL policy, languages, and DAV keeping every other request."""

from __future__ import annotations

import re

import requests

from cms_dav.contacts.interactions import KINDS
from tests.api.support import in_process
from tests.support.server import ServerProcess
from tests.web.conftest import XSS
from tests.web.support import add_cards, csrf_of, post_sign_in, sign_in

ZHANG_WEI = "/app/contacts/alice/contacts/zhang-wei.vcf"
SHARED = "/app/contacts/alice/shared/shared-1.vcf"


def test_a_page_without_a_session_redirects_to_sign_in(web_server: ServerProcess) -> None:
    answer = requests.get(f"{web_server.url}/app/contacts", allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/app/signin")


def test_the_root_redirects_to_sign_in_without_a_session(web_server: ServerProcess) -> None:
    answer = requests.get(f"{web_server.url}/", allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/app/signin")


def test_a_wrong_password_is_refused_and_starts_no_session(
        web_server: ServerProcess) -> None:
    session = requests.Session()
    form = session.get(f"{web_server.url}/app/signin")
    answer = session.post(f"{web_server.url}/app/signin", allow_redirects=False,
                          data={"csrf": csrf_of(form.text), "user": "alice",
                                "password": "wrong"})
    assert answer.status_code == 401
    assert "cms_dav_session" not in answer.headers.get("Set-Cookie", "")


def test_a_failed_sign_in_counts_in_the_login_throttle(web_server: ServerProcess) -> None:
    """Issue 16 item 4: the login throttle applies to the web form as to DAV: a wrong
    password there is a failure of that user from that address, so the next attempt
    waits (and enough of them lock the pair out)."""
    with in_process(web_server) as app:
        assert not any("web-guess" in str(key) for key in
                       app.authenticator.throttle.check("web-guess", "127.0.0.1").counters)
    _, answer = post_sign_in(web_server, "web-guess", "not-the-password")
    assert answer.status_code == 401
    with in_process(web_server) as app:
        verdict = app.authenticator.throttle.check("web-guess", "127.0.0.1")
    assert verdict.delay > 0
    assert any("web-guess" in str(key) for key in verdict.counters)


def test_sign_in_without_the_csrf_token_is_refused(web_server: ServerProcess) -> None:
    session = requests.Session()
    session.get(f"{web_server.url}/app/signin")
    answer = session.post(f"{web_server.url}/app/signin", allow_redirects=False,
                          data={"user": "alice", "password": "alice-pw"})
    assert answer.status_code == 403


def test_a_post_without_the_csrf_token_is_refused_and_stores_nothing(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.post(f"{web_server.url}{ZHANG_WEI}/notes", allow_redirects=False,
                            data={"kind": "note", "text": "forged-without-token"})
    assert answer.status_code == 403
    assert "forged-without-token" not in alice_web.get(f"{web_server.url}{ZHANG_WEI}").text


def test_the_session_cookie_is_httponly_and_samesite_lax(web_server: ServerProcess) -> None:
    _, answer = post_sign_in(web_server, "bob", "bob-pw")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("cms_dav_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP without a trusted proxy


def test_pages_carry_csp_and_the_other_security_headers(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    headers = alice_web.get(f"{web_server.url}/app/contacts").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_a_name_that_is_markup_is_escaped_on_the_list_and_the_contact_page(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    listed = alice_web.get(f"{web_server.url}/app/contacts").text
    shown = alice_web.get(f"{web_server.url}/app/contacts/alice/contacts/markup.vcf").text
    for html in (listed, shown):
        assert XSS not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_search_finds_zhang_wei_by_initials(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    found = alice_web.get(f"{web_server.url}/app/contacts", params={"q": "zw"}).text
    assert "张伟" in found and "zhang-wei.vcf" in found


def test_bob_cannot_open_alices_unshared_contact(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    answer = bob_web.get(f"{web_server.url}{ZHANG_WEI}")
    assert answer.status_code == 404
    assert "张伟" not in answer.text


def test_a_read_only_sharee_sees_no_edit_controls_and_a_forged_note_is_refused(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    shown = bob_web.get(f"{web_server.url}{SHARED}")
    assert shown.status_code == 200 and "Anna Nowak" in shown.text
    assert "/notes" not in shown.text
    forged = bob_web.post(f"{web_server.url}{SHARED}/notes", allow_redirects=False,
                          data={"csrf": csrf_of(shown.text), "kind": "note",
                                "text": "forged-by-bob"})
    assert forged.status_code == 403
    assert "forged-by-bob" not in bob_web.get(f"{web_server.url}{SHARED}").text


def test_a_note_added_on_the_contact_page_is_in_its_timeline(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    shown = alice_web.get(f"{web_server.url}{ZHANG_WEI}")
    answer = alice_web.post(f"{web_server.url}{ZHANG_WEI}/notes",
                            data={"csrf": csrf_of(shown.text), "kind": "call",
                                  "text": "called about the offer",
                                  "follow_up": "2030-01-02"})
    assert answer.status_code == 200
    assert "called about the offer" in answer.text and "Mark done" in answer.text


def test_each_timeline_entry_carries_an_icon_of_its_kind(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    """Issue 16 item 2: type icons on the timeline: a class per kind, drawn by the style
    sheet (no script, no image to fetch), with the kind's name kept as the text."""
    shown = alice_web.get(f"{web_server.url}{ZHANG_WEI}")
    answer = alice_web.post(f"{web_server.url}{ZHANG_WEI}/notes",
                            data={"csrf": csrf_of(shown.text), "kind": "visit",
                                  "text": "visited the plant"})
    assert answer.status_code == 200
    assert re.search(r'<span class="kind kind-visit">Visit</span>', answer.text, re.I)
    style = requests.get(f"{web_server.url}/app/static/style.css").text
    for kind in KINDS:
        assert re.search(rf"\.kind-{kind}::before {{ content: \"[^\"]+\" / \"\"; }}", style), kind


def test_accept_language_chooses_polish_and_the_cookie_overrides_it(
        web_server: ServerProcess) -> None:
    polish = requests.get(f"{web_server.url}/app/signin",
                          headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"})
    assert "Zaloguj się" in polish.text
    chinese = requests.get(f"{web_server.url}/app/signin",
                           headers={"Accept-Language": "pl"},
                           cookies={"cms_dav_lang": "zh-CN"})
    assert "登录" in chinese.text


def test_signing_out_ends_the_session(web_server: ServerProcess) -> None:
    session = sign_in(web_server, "alice", "alice-pw")
    page = session.get(f"{web_server.url}/app/contacts")
    session.post(f"{web_server.url}/app/signout", data={"csrf": csrf_of(page.text)})
    answer = session.get(f"{web_server.url}/app/contacts", allow_redirects=False)
    assert answer.status_code == 303


def test_signed_out_cookie_is_refused(web_server: ServerProcess) -> None:
    """Sign-out ends the session on the server: a copy of the cookie taken before it
    (another tab, a stolen value) no longer opens a page."""
    session = sign_in(web_server, "alice", "alice-pw")
    page = session.get(f"{web_server.url}/app/contacts")
    copied = session.cookies.get("cms_dav_session")
    assert copied
    session.post(f"{web_server.url}/app/signout", data={"csrf": csrf_of(page.text)})
    answer = requests.get(f"{web_server.url}/app/contacts", allow_redirects=False,
                          cookies={"cms_dav_session": copied})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/app/signin")


def test_dav_keeps_propfind_on_the_root_and_radicales_own_ui(
        web_server: ServerProcess) -> None:
    dav = web_server.session("alice", "alice-pw")
    assert dav.request("PROPFIND", f"{web_server.url}/",
                       headers={"Depth": "0"}).status_code == 207
    assert requests.get(f"{web_server.url}/.web/").status_code == 200
    assert dav.get(f"{web_server.url}/alice/contacts/zhang-wei.vcf").status_code == 200


def test_a_follow_up_is_marked_done_from_the_contact_page(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    shown = alice_web.get(f"{web_server.url}{ZHANG_WEI}")
    added = alice_web.post(f"{web_server.url}{ZHANG_WEI}/notes",
                           data={"csrf": csrf_of(shown.text), "kind": "meeting",
                                 "text": "meet to sign", "follow_up": "2031-05-06"})
    entry = added.text.split("meet to sign")[1].split("</li>")[0]
    done_action = re.search(r'action="([^"]*/done)"', entry)
    assert done_action is not None
    marked = alice_web.post(f"{web_server.url}{done_action.group(1)}",
                            data={"csrf": csrf_of(added.text)})
    assert marked.status_code == 200
    entry = marked.text.split("meet to sign")[1].split("</li>")[0]
    assert "Done" in entry and "/done" not in entry


def test_a_tampered_session_cookie_leads_back_to_sign_in(web_server: ServerProcess) -> None:
    answer = requests.get(f"{web_server.url}/app/contacts", allow_redirects=False,
                          cookies={"cms_dav_session": "eyJ1IjoiYWxpY2UifQ.00"})
    assert answer.status_code == 303


def test_editing_a_contact_changes_its_card(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = f"{web_server.url}/app/contacts/alice/contacts/markup.vcf/edit"
    form = alice_web.get(url)
    saved = alice_web.post(url, data={"csrf": csrf_of(form.text), "etag": _etag(form.text),
                                      "formatted": XSS, "organisation": "Acme",
                                      "title": "Buyer"})
    assert saved.status_code == 200
    card = web_server.session("alice", "alice-pw").get(
        f"{web_server.url}/alice/contacts/markup.vcf").text
    assert "ORG:Acme" in card and "TITLE:Buyer" in card


def test_an_edit_of_a_contact_changed_meanwhile_is_refused_as_changed_elsewhere(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = f"{web_server.url}{ZHANG_WEI}/edit"
    form = alice_web.get(url)
    dav = web_server.session("alice", "alice-pw")
    api = f"{web_server.url}/api/v1/address-books/alice/contacts/contacts/zhang-wei.vcf"
    changed = dav.put(api, json={"title": "Director"},
                      headers={"If-Match": dav.get(api).headers["ETag"]})
    assert changed.status_code == 200, changed.text
    stale = alice_web.post(url, data={"csrf": csrf_of(form.text), "etag": _etag(form.text),
                                      "formatted": "张伟", "title": "Intern"})
    assert stale.status_code == 409
    assert "changed on another device" in stale.text
    assert dav.get(api).json()["title"] == "Director"


def test_editing_the_phone_changes_the_card_and_its_etag_over_carddav(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    """Issue 16: edit the phone, see the new ETag over CardDAV. The first number is
    replaced with its type kept; the second is left as it was."""
    add_cards(web_server, "contacts", [{"uid": "two-phones", "name": {"formatted": "Jan Dwa"},
                                        "phones": [{"value": "+48 600 000 001",
                                                    "types": ["cell"]},
                                                   {"value": "+48 22 000 0002"}]}])
    dav = web_server.session("alice", "alice-pw")
    card_url = f"{web_server.url}/alice/contacts/two-phones.vcf"
    before = dav.get(card_url)
    url = f"{web_server.url}/app/contacts/alice/contacts/two-phones.vcf/edit"
    form = alice_web.get(url)
    assert 'name="phone"' in form.text and "+48 600 000 001" in form.text
    saved = alice_web.post(url, data={"csrf": csrf_of(form.text), "etag": _etag(form.text),
                                      "formatted": "Jan Dwa", "phone": "+48 601 999 999"})
    assert saved.status_code == 200
    after = dav.get(card_url)
    assert after.headers["ETag"] != before.headers["ETag"]
    lines = after.text.replace("\r\n ", "").splitlines()
    phones = [line for line in lines if line.upper().startswith("TEL")]
    assert len(phones) == 2
    assert "+48 601 999 999" in phones[0] and "CELL" in phones[0].upper()
    assert "+48 22 000 0002" in phones[1]
    assert "+48 600 000 001" not in after.text


def _etag(html: str) -> str:
    found = re.search(r'name="etag" value="([^"]*)"', html)
    assert found is not None
    return found.group(1).replace("&#34;", '"')


def test_a_search_longer_than_the_bound_is_refused_with_a_page_naming_it(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.get(f"{web_server.url}/app/contacts", params={"q": "x" * 201})
    assert answer.status_code == 422
    assert "q" in answer.text and "Content-Security-Policy" in answer.headers


def test_a_form_with_too_many_fields_is_refused(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    shown = alice_web.get(f"{web_server.url}{ZHANG_WEI}")
    fields = {f"f{n}": "x" for n in range(50)} | {"csrf": csrf_of(shown.text)}
    answer = alice_web.post(f"{web_server.url}{ZHANG_WEI}/notes", data=fields)
    assert answer.status_code == 400
    assert "more than 20 fields" in answer.text
