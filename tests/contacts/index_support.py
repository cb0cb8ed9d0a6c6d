"""The App's store (search index hook, upload filter), on either backend, for index tests."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from cms_dav.config import Settings, load_settings
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.app import App, build_app


def settings_for(tmp_path: Path, database_url: str, region: str = "PL") -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url,
                    htpasswd_file=tmp_path / "var" / "users",
                    rights_file=tmp_path / "var" / "rights.toml", default_region=region)


def open_test_store(tmp_path: Path, database_url: str, region: str = "PL") -> Store:
    return build_app(settings_for(tmp_path, database_url, region)).store


def card_data(text: str, uid: str) -> ItemData:
    return ItemData(text=text, uid=uid, etag=etag_of(text), name="VCARD", component="")


def vcard(uid: str, fn: str, *lines: str) -> str:
    body = "".join(line + "\r\n" for line in lines)
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\n{body}END:VCARD\r\n")


def book(store: Store, path: str) -> None:
    store.replace_collection(path, {"tag": "VADDRESSBOOK"}, [], "admin")


def app_with_names(data_dir: Path, names: Sequence[str], group: str) -> App:
    """An App on ``data_dir`` whose ``alice/contacts`` holds a card ``cN`` named each of
    ``names`` in turn and a group card ``g1`` named ``group`` (member: ``c0``)."""
    built = build_app(load_settings(data_dir))
    built.store.replace_collection("alice", {}, [], "admin")
    book(built.store, "alice/contacts")
    for number, name in enumerate(names):
        built.store.put_item("alice/contacts", f"c{number}.vcf",
                             card_data(vcard(f"c{number}", name), f"c{number}"), "alice")
    text = (f"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:g1\r\nFN:{group}\r\nKIND:group\r\n"
            "MEMBER:urn:uuid:c0\r\nEND:VCARD\r\n")
    built.store.put_item("alice/contacts", "g1.vcf", card_data(text, "g1"), "alice")
    return built


def share_book_read_only(store: Store, owner: str, source: str, sharee: str,
                         mounted: str) -> None:
    """``owner`` shares their book ``source`` with ``sharee`` read-only (a map share),
    mounted at ``mounted`` (paths as the sharing table keeps them, with slashes)."""
    from cms_dav.acl.share_table import create

    with store.writing() as conn:
        create(conn, owner, dict(
            ShareType="map", PathOrToken=mounted, PathMapped=source, Conversion="none",
            Owner=owner, User=sharee, Permissions="r", EnabledByOwner=True,
            EnabledByUser=True, HiddenByOwner=False, HiddenByUser=False))
