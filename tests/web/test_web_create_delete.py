"""Creating a contact, deleting it to the trash with undo, and the trash page, over
HTTP: the same store write path as CardDAV (the card is there over DAV), the ACL
policy's rights (read-only books not offered, forged POSTs 403), CSRF and escaping."""

from __future__ import annotations

import re

import requests
from sqlalchemy import select

from cms_dav.store.schema import audit
from tests.api.support import in_process
from tests.support.server import ServerProcess
from tests.web.conftest import XSS
from tests.web.support import csrf_of

NEW = "/app/contacts/new"
SHARED = "/app/contacts/alice/shared/shared-1.vcf"


def _create(server: ServerProcess, web: requests.Session, **fields: str) -> requests.Response:
    form = web.get(f"{server.url}{NEW}")
    return web.post(f"{server.url}{NEW}", allow_redirects=False,
                    data={"csrf": csrf_of(form.text), "book": "alice/contacts", **fields})


def _created_url(server: ServerProcess, web: requests.Session, name: str) -> str:
    answer = _create(server, web, formatted=name)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["Location"])


def _delete(server: ServerProcess, web: requests.Session, url: str) -> requests.Response:
    shown = web.get(f"{server.url}{url}")
    return web.post(f"{server.url}{url}/delete", allow_redirects=False,
                    data={"csrf": csrf_of(shown.text)})


def _restore_action(html: str) -> str:
    found = re.search(r'action="(/app/trash/item-[0-9]+/restore)"', html)
    assert found is not None, "no restore form on the page"
    return found.group(1)


def test_the_new_contact_form_offers_only_books_the_user_may_write(
        web_server: ServerProcess, alice_web: requests.Session,
        bob_web: requests.Session) -> None:
    alices = alice_web.get(f"{web_server.url}{NEW}").text
    assert 'value="alice/contacts"' in alices and 'value="alice/shared"' in alices
    bobs = bob_web.get(f"{web_server.url}{NEW}").text
    assert 'value="bob/contacts"' in bobs and "alice/shared" not in bobs


def test_a_contact_created_on_the_web_is_a_card_over_carddav(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = _create(web_server, alice_web, formatted="Ewa Kowalska", organisation="Acme",
                     title="Buyer", phone="+48 600 700 800", email="ewa@example.com")
    assert answer.status_code == 303, answer.text
    href = answer.headers["Location"].rsplit("/", 1)[1]
    card = web_server.session("alice", "alice-pw").get(
        f"{web_server.url}/alice/contacts/{href}")
    assert card.status_code == 200
    for line in ("FN:Ewa Kowalska", "ORG:Acme", "TITLE:Buyer", "ewa@example.com",
                 "+48 600 700 800"):
        assert line in card.text


def test_a_created_contact_is_audited_as_written_by_the_web_door(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, "Audit Door Person")
    href = url.rsplit("/", 1)[1]
    api = web_server.session("alice", "alice-pw").get(
        f"{web_server.url}/api/v1/address-books/alice/contacts/contacts/{href}")
    assert api.status_code == 200
    with in_process(web_server) as app, app.store.reading() as conn:
        doors = {row.door for row in conn.execute(
            select(audit.c.door).where(audit.c.href == href))}
    assert doors == {"web"}


def test_creating_in_a_read_only_book_by_a_forged_post_is_refused(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    form = bob_web.get(f"{web_server.url}{NEW}")
    answer = bob_web.post(f"{web_server.url}{NEW}", allow_redirects=False,
                          data={"csrf": csrf_of(form.text), "book": "alice/shared",
                                "formatted": "forged-create-by-bob"})
    assert answer.status_code == 403
    listed = web_server.session("alice", "alice-pw").get(
        f"{web_server.url}/api/v1/address-books/alice/shared/contacts").text
    assert "forged-create-by-bob" not in listed


def test_creating_without_the_csrf_token_is_refused(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.post(f"{web_server.url}{NEW}", allow_redirects=False,
                            data={"book": "alice/contacts", "formatted": "no-token-create"})
    assert answer.status_code == 403
    found = alice_web.get(f"{web_server.url}/app/contacts", params={"q": "no-token-create"})
    assert "no-token-create" not in found.text.split('id="results"')[1]


def test_a_new_contact_without_a_name_comes_back_with_the_problem_named(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = _create(web_server, alice_web, formatted=" ", title="Lost title")
    assert answer.status_code == 422
    assert "formatted" in answer.text and 'value="Lost title"' in answer.text


def test_a_bad_email_is_refused_naming_the_field(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    answer = _create(web_server, alice_web, formatted="Bad Mail", email="not-an-address")
    assert answer.status_code == 422
    assert "emails" in answer.text


def test_a_created_contact_named_as_markup_is_escaped(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, XSS + " created")
    shown = alice_web.get(f"{web_server.url}{url}").text
    assert XSS not in shown and "&lt;img src=x onerror=alert(1)&gt; created" in shown


def test_deleting_shows_deleted_with_undo_and_undo_restores_the_card(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, "Undo Me Soon")
    dav = web_server.session("alice", "alice-pw")
    card = f"{web_server.url}/alice/contacts/{url.rsplit('/', 1)[1]}"
    deleted = _delete(web_server, alice_web, url)
    assert deleted.status_code == 303 and "?deleted=item-" in deleted.headers["Location"]
    assert dav.get(card).status_code == 404
    notice = alice_web.get(f"{web_server.url}{deleted.headers['Location']}")
    assert "Deleted Undo Me Soon." in notice.text and ">Undo<" in notice.text
    undone = alice_web.post(f"{web_server.url}{_restore_action(notice.text)}",
                            data={"csrf": csrf_of(notice.text)})
    assert undone.status_code == 200 and "<h1>Undo Me Soon</h1>" in undone.text
    assert dav.get(card).status_code == 200


def test_deleting_without_the_csrf_token_is_refused_and_keeps_the_card(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, "Keep Me")
    answer = alice_web.post(f"{web_server.url}{url}/delete", allow_redirects=False)
    assert answer.status_code == 403
    assert alice_web.get(f"{web_server.url}{url}").status_code == 200


def test_a_read_only_sharee_gets_no_delete_button_and_a_forged_delete_is_refused(
        web_server: ServerProcess, bob_web: requests.Session) -> None:
    shown = bob_web.get(f"{web_server.url}{SHARED}")
    assert "/delete" not in shown.text
    forged = bob_web.post(f"{web_server.url}{SHARED}/delete", allow_redirects=False,
                          data={"csrf": csrf_of(shown.text)})
    assert forged.status_code == 403
    assert bob_web.get(f"{web_server.url}{SHARED}").status_code == 200


def test_the_trash_lists_a_deleted_contact_and_restores_it(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, "Trash Page Person")
    assert _delete(web_server, alice_web, url).status_code == 303
    trash = alice_web.get(f"{web_server.url}/app/trash")
    entry = trash.text.split("Trash Page Person")[1].split("</li>")[0]
    restored = alice_web.post(f"{web_server.url}{_restore_action(entry)}",
                              data={"csrf": csrf_of(trash.text)})
    assert restored.status_code == 200 and "<h1>Trash Page Person</h1>" in restored.text
    assert "Trash Page Person" not in alice_web.get(f"{web_server.url}/app/trash").text


def test_the_trash_shows_a_markup_name_escaped(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, XSS + " trashed")
    assert _delete(web_server, alice_web, url).status_code == 303
    trash = alice_web.get(f"{web_server.url}/app/trash").text
    assert XSS not in trash and "&lt;img src=x onerror=alert(1)&gt; trashed" in trash


def test_another_users_trash_is_neither_listed_nor_restorable(
        web_server: ServerProcess, alice_web: requests.Session,
        bob_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, "Private Deleted")
    deleted = _delete(web_server, alice_web, url)
    entry = deleted.headers["Location"].split("deleted=")[1]
    trash = bob_web.get(f"{web_server.url}/app/trash")
    assert "Private Deleted" not in trash.text
    forged = bob_web.post(f"{web_server.url}/app/trash/{entry}/restore",
                          allow_redirects=False, data={"csrf": csrf_of(trash.text)})
    assert forged.status_code == 404
    notice = bob_web.get(f"{web_server.url}/app/contacts", params={"deleted": entry})
    assert "Private Deleted" not in notice.text


def test_restoring_without_the_csrf_token_is_refused(
        web_server: ServerProcess, alice_web: requests.Session) -> None:
    url = _created_url(web_server, alice_web, "Token Restore")
    entry = _delete(web_server, alice_web, url).headers["Location"].split("deleted=")[1]
    answer = alice_web.post(f"{web_server.url}/app/trash/{entry}/restore",
                            allow_redirects=False)
    assert answer.status_code == 403
    assert "Token Restore" in alice_web.get(f"{web_server.url}/app/trash").text


def test_a_read_only_sharee_sees_no_restore_for_the_shared_books_trash_and_is_refused(
        web_server: ServerProcess, alice_web: requests.Session,
        bob_web: requests.Session) -> None:
    form = alice_web.get(f"{web_server.url}{NEW}")
    created = alice_web.post(f"{web_server.url}{NEW}", allow_redirects=False,
                             data={"csrf": csrf_of(form.text), "book": "alice/shared",
                                   "formatted": "Shared Then Deleted"})
    assert created.status_code == 303, created.text
    deleted = _delete(web_server, alice_web, created.headers["Location"])
    entry = deleted.headers["Location"].split("deleted=")[1]
    trash = bob_web.get(f"{web_server.url}/app/trash")
    assert "Shared Then Deleted" not in trash.text and "/restore" not in trash.text
    forged = bob_web.post(f"{web_server.url}/app/trash/{entry}/restore",
                          allow_redirects=False, data={"csrf": csrf_of(trash.text)})
    assert forged.status_code == 403
    assert "Shared Then Deleted" in alice_web.get(f"{web_server.url}/app/trash").text
