"""The App's store (search index hook, upload filter), on either backend, for index tests."""

from __future__ import annotations

from pathlib import Path

from cms_dav.config import Settings
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.app import build_app


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
