"""Backup and restore on PostgreSQL: a JSON-lines dump from one snapshot, loaded
into an empty schema (skipped when no PostgreSQL answers, unless required)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Iterator

import pytest

from cms_dav.config import Settings, load_settings
from cms_dav.store.records import ItemData
from cms_dav.app import build_app
from tests.conftest import PG_URL, require_pg
from tests.io.support import run_cli
from tests.support.dav import vcard


@pytest.fixture
def two_schemas() -> Iterator[tuple[str, str]]:
    require_pg()
    import psycopg
    plain = PG_URL.replace("+psycopg", "")
    names = ["t_" + secrets.token_hex(6) for _ in range(2)]
    with psycopg.connect(plain, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE SCHEMA {name}")
    separator = "&" if "?" in PG_URL else "?"
    yield tuple(f"{PG_URL}{separator}options=-csearch_path%3D{n}" for n in names)  # type: ignore[misc]
    with psycopg.connect(plain, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def _settings(root: Path, url: str) -> tuple[Settings, list[str]]:
    root.mkdir(parents=True, exist_ok=True)
    config = root / "cms-dav.conf"
    config.write_text(f"[storage]\ndatabase_url = {url}\n", encoding="utf-8")
    return load_settings(root, config), ["--config", str(config)]


def _card(n: int) -> tuple[str, ItemData]:
    from cms_dav.io.stored_items import item_data
    return f"c{n}.vcf", item_data(vcard(f"pg-{n}", f"Person {n}"), "VADDRESSBOOK", "alice/book")


def _items(settings: Settings) -> dict[str, tuple[str, str]]:
    store = build_app(settings).store
    record = store.collection("alice/book")
    assert record is not None
    return {i.href: (i.etag, i.text or "") for i in store.all_items(record.id)}


def test_postgres_backup_restores_items_and_etags_with_a_new_sync_epoch(
        two_schemas: tuple[str, str], tmp_path: Path) -> None:
    source, source_args = _settings(tmp_path / "a", two_schemas[0])
    target, target_args = _settings(tmp_path / "b", two_schemas[1])
    store = build_app(source).store
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"},
                             [_card(n) for n in range(5)], "test")
    store.delete_item("alice/book", "c4.vcf", "test")
    archive = tmp_path / "pg.tar.gz"
    run_cli(source.data_dir, *source_args, "backup", str(archive))
    run_cli(target.data_dir, *target_args, "backup", "--verify", str(archive))
    run_cli(target.data_dir, *target_args, "restore", str(archive))
    assert _items(target) == _items(source)
    old, new = (build_app(s).store.collection("alice/book") for s in (source, target))
    assert old is not None and new is not None and old.sync_epoch != new.sync_epoch
    build_app(target).store.put_item("alice/book", "c9.vcf", _card(9)[1], "test")  # ids move on
