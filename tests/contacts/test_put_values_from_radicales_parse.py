"""A PUT indexes the addressbook-query values from Radicale's own parse of the body
(issue 19: no second vobject parse) and they are exactly those of a fresh parse of the
stored text, which is what Radicale's text-match reads: whatever the card holds
(escapes, lists, structured values, groups, folded or LF-ended lines, vCard 2.1/4.0,
quoted-printable, a PHOTO data URI, interaction lines the upload filter rewrites)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms_dav.app import build_app
from cms_dav.config import load_settings
from cms_dav.contacts.index_store import dav_values
from cms_dav.store.schema import contact_values, items
from tests.support.dav import put_card
from tests.support.lossless_samples import CARDS, card

VARIED = {
    "escapes": card("escapes", ["FN:Ann\\, the \\;first\\; one", "N:Smith\\,Jr;Ann;B;Dr.;",
                                "NOTE:line one\\nline two\\\\ back", "TITLE:R&D\\, Sales"]),
    "lists": card("lists", ["FN:Lists", "CATEGORIES:VIP,friend\\,family,Work",
                            "ORG:Acme;R&D;Lab 2", "NICKNAME:Bo,Bobby",
                            "ADR;TYPE=WORK:;;ul. Długa 9;Kraków;;30-001;Polska",
                            "item1.EMAIL;TYPE=INTERNET:Grouped@Example.COM",
                            "item1.X-ABLabel:home", "EMAIL:second@example.com",
                            "TEL;TYPE=CELL:+48 600 100 200", "URL:https://example.com/a,b",
                            "ROLE:Boss", "KIND:individual"]),
    "lf-ends": "BEGIN:VCARD\nVERSION:3.0\nUID:lf-ends\nFN:Line Feeds\nN:Feeds;Line;;;\n"
               "EMAIL:lf@example.com\nEND:VCARD\n",
    "cjk-folded": card("cjk-folded", ["FN:张伟 and a name long enough to be folded by a cl",
                                      " ient at seventy-five octets", "N:张;伟;;;"]),
    "vcard4": card("vcard4", ["FN:Four", "N:Four;;;;", "EMAIL;PREF=1:four@example.com",
                              "TEL;VALUE=uri:tel:+48-600-100-200"], version="4.0"),
    "qp": card("qp", ["FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:J=C3=B3zef =",
                      "Nowak", "N:Nowak;J=C3=B3zef;;;"], version="2.1"),
    "data-photo": card("data-photo", ["FN:Data Photo",
                                      "PHOTO;ENCODING=b;TYPE=PNG:data:image/png;base64,iVBO"]),
    "interactions": card("interactions", [
        "FN:Met Once", "NOTE:we met",
        "X-CMS-INTERACTION:i-1;meeting;20261103T100000Z;alice;;text\\, with comma"]),
    # the upload filter rewrites NOTE (the timeline block): the values are read from
    # Radicale's parse for the other lines and from the new NOTE lines (index_store)
    "notes-rewritten": card("notes-rewritten", [
        "FN:Two Notes", "item1.NOTE:grouped\\, first one that is long enough to be folded ",
        " by the client\\nsecond line", "NOTE;LANGUAGE=pl:zażółć\\; gęślą",
        "CATEGORIES:a,b", "X-CMS-INTERACTION:i-2;call;20261104T100000Z;bob;;called"]),
    "typed-into-block": card("typed-into-block", [
        "FN:Typed", "NOTE:mine\\n\\n=== Interactions [cms-dav] ===\\n+ call: rang them",
        "X-CMS-INTERACTION:i-3;meeting;20261105T100000Z;alice;;met"]),
    "note-added": card("note-added", [
        "FN:No Note Yet", "X-CMS-INTERACTION:i-4;email;20261106T100000Z;alice;;wrote"]),
}


@pytest.mark.parametrize("name,text", [*CARDS.items(), *VARIED.items()],
                         ids=[*CARDS, *VARIED])
def test_put_card_has_the_values_of_a_fresh_parse_of_its_stored_text(module_server, name,
                                                                      text):
    alice = module_server.session("alice", "alice-pw")
    response = put_card(alice, f"{module_server.url}/alice/contacts/reuse-{name}.vcf", text)
    assert response.status_code in (201, 204), response.text

    store = build_app(load_settings(module_server.data_dir)).store
    book = store.collection("alice/contacts")
    assert book is not None
    with store.reading() as conn:
        item_id, stored = conn.execute(select(items.c.id, items.c.text).where(
            items.c.collection_id == book.id, items.c.href == f"reuse-{name}.vcf")).one()
        indexed = [(row.prop, row.value) for row in conn.execute(
            select(contact_values.c.prop, contact_values.c.value)
            .where(contact_values.c.item_id == item_id).order_by(contact_values.c.id))]
    assert indexed == (dav_values(stored) or [])
