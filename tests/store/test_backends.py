"""The same store code on SQLite and PostgreSQL, and several nodes on one database."""

from __future__ import annotations

from tests.support.dav import make_addressbook, put_card, sync_collection, vcard


def _config(url: str) -> str:
    return f"[storage]\ndatabase_url = {url}\n"


def test_write_read_sync_and_delete_on_each_backend(make_server, database_url):
    server = make_server(config_text=_config(database_url), users={"alice": "alice-pw"})
    alice = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/book/"
    make_addressbook(alice, book)
    assert put_card(alice, book + "a.vcf", vcard("a", "Zofia Kowalska")).status_code == 201
    _, token, initial = sync_collection(alice, book)
    assert initial == {"/alice/book/a.vcf": 200}
    assert "Zofia" in alice.get(book + "a.vcf").text
    assert put_card(alice, book + "b.vcf", vcard("a", "Same UID")).status_code == 409
    assert alice.delete(book + "a.vcf").status_code in (200, 204)
    _, _, changed = sync_collection(alice, book, token)
    assert changed == {"/alice/book/a.vcf": 404}


def test_two_nodes_on_one_database_see_each_others_writes(make_server, pg_schema_url,
                                                           tmp_path):
    first = make_server(data_dir=tmp_path / "node1", config_text=_config(pg_schema_url),
                        users={"alice": "alice-pw"})
    second = make_server(data_dir=tmp_path / "node2", config_text=_config(pg_schema_url),
                         users={"alice": "alice-pw"})
    one, two = first.session("alice", "alice-pw"), second.session("alice", "alice-pw")
    make_addressbook(one, f"{first.url}/alice/shared/")
    put_card(one, f"{first.url}/alice/shared/x.vcf", vcard("x", "Written On Node One"))
    assert "Node One" in two.get(f"{second.url}/alice/shared/x.vcf").text
    etag = two.get(f"{second.url}/alice/shared/x.vcf").headers["ETag"]
    put_card(two, f"{second.url}/alice/shared/x.vcf", vcard("x", "Node Two Edit"),
             **{"If-Match": etag})
    stale = put_card(one, f"{first.url}/alice/shared/x.vcf", vcard("x", "Lost"),
                     **{"If-Match": etag})
    assert stale.status_code == 412
