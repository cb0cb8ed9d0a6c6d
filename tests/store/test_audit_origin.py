"""The audit trail's origin columns on SQLite and PostgreSQL: every DAV write method is
recorded with its kind, and migration 0007 upgrades a database that has old rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from click.testing import CliRunner
from sqlalchemy import select, text

from cms_dav.cli import cli
from cms_dav.store.audit import record
from cms_dav.store.engine import open_engine, write_tx
from cms_dav.store.migrate import _config as alembic_config
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.records import WriteOrigin
from cms_dav.store.schema import audit, history
from tests.support.dav import make_addressbook, put_card, vcard

PROPPATCH = """<?xml version="1.0" encoding="utf-8"?>
<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Clients</d:displayname>
</d:prop></d:set></d:propertyupdate>"""


def audit_entries(data_dir: Path, config: Path | None, *args: str) -> list[dict[str, Any]]:
    options = ["--data-dir", str(data_dir)] + (["--config", str(config)] if config else [])
    result = CliRunner().invoke(cli, [*options, "audit", "--json", *args])
    assert result.exit_code == 0, result.output
    entries: list[dict[str, Any]] = json.loads(result.stdout)
    return entries


def test_every_dav_write_method_is_recorded_with_its_kind_on_each_backend(
        make_server: Any, database_url: str) -> None:
    server = make_server(config_text=f"[storage]\ndatabase_url = {database_url}\n",
                         users={"alice": "alice-pw"})
    alice = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/book/"
    make_addressbook(alice, book)
    assert put_card(alice, book + "a.vcf", vcard("a-uid", "Zofia Kowalska")).status_code == 201
    assert alice.request("PROPPATCH", book, data=PROPPATCH.encode(),
                         headers={"Content-Type": "application/xml"}).status_code == 207
    moved = alice.request("MOVE", book + "a.vcf", headers={"Destination": book + "b.vcf"})
    assert moved.status_code in (201, 204), moved.text
    assert alice.delete(book + "b.vcf").status_code in (200, 204)
    entries = audit_entries(server.data_dir, server.config, "--collection", "/alice/book/")
    assert [(e["method"], e["kind"], e["href"], e["uid"]) for e in entries] == [
        ("DELETE", "delete", "b.vcf", "a-uid"),
        ("MOVE", "move", "a.vcf", "a-uid"),
        ("PROPPATCH", "collection-props", "", ""),
        ("PUT", "create", "a.vcf", "a-uid"),
        ("MKCOL", "collection-create", "", ""),
    ]
    assert {(e["user"], e["door"], e["address"], e["collection"]) for e in entries} == {
        ("alice", "http", "127.0.0.1", "alice/book")}
    move = entries[1]
    assert move["old_etag"] == move["new_etag"] == entries[0]["old_etag"] != ""


def test_migration_0007_keeps_old_rows_and_records_origins_on_each_backend(
        database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True)
    engine = open_engine(database_url)
    try:
        command.upgrade(alembic_config(engine), "0006")
        with write_tx(engine) as conn:  # the 0006 columns only: plain SQL
            conn.execute(text("INSERT INTO audit (at, actor, action, target, detail) "
                              "VALUES (1.0, 'old', 'item.put', 'alice/contacts/x.vcf', '{}')"))
            conn.execute(text(
                "INSERT INTO history (collection_path, href, uid, etag, text, action, actor, "
                "at) VALUES ('alice/contacts', 'x.vcf', 'x', 'e', 'BEGIN:VCARD', "
                "'replaced', 'old', 1.0)"))
        upgrade_to_head(engine)
        with write_tx(engine) as conn:
            record(conn, WriteOrigin("bob", "cli", "local", "import"), "item.put",
                   "alice/contacts/y.vcf", kind="create", collection="alice/contacts",
                   href="y.vcf", uid="y", new_etag='"n"')
            rows = [tuple(row) for row in conn.execute(select(
                audit.c.actor, audit.c.door, audit.c.address, audit.c.method, audit.c.kind,
                audit.c.href, audit.c.new_etag).order_by(audit.c.id))]
            doors = list(conn.execute(select(history.c.door)).scalars())
        assert rows == [("old", "", "", "", "", "", ""),
                        ("bob", "cli", "local", "import", "create", "y.vcf", '"n"')]
        assert doors == [""]
    finally:
        engine.dispose()
