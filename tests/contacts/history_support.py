"""Seeding a running server with history that is already the server's own (as restored
from a backup): a client's PUT would record its entries under the uploader, now."""

from __future__ import annotations

from cms_dav.app import build_app
from cms_dav.config import load_settings
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.store.records import ItemData
from tests.support.server import ServerProcess


def seed_card(server: ServerProcess, book: str, href: str, text: str, uid: str,
              actor: str = "admin") -> None:
    """Store ``text`` at /book/href through the server's own store, history as given."""
    with build_app(load_settings(server.data_dir, server.config)) as app:
        app.store.put_item(book, href, ItemData(text=text, uid=uid, etag=etag_of(text),
                                                name="VCARD", component=""),
                           actor, attested=True)
