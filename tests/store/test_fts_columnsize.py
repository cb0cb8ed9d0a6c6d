"""Migration 0016_mem_fts_columnsize: the trigram tables keep no per-row sizes (issue 19
target 7), and they still answer and stay consistent with the rows they index."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from cms_dav.store import fts
from cms_dav.store.engine import open_engine, write_tx
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store


def test_the_trigram_tables_have_no_docsize_table_and_still_find_substrings(
        tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'cms-dav.sqlite3'}")
    upgrade_to_head(engine)
    store = Store(engine)
    store.replace_collection("alice/book", {"tag": "VADDRESSBOOK"}, [], "tests")
    store.put_item("alice/book", "1.vcf", ItemData(
        text="BEGIN:VCARD\r\nUID:1\r\nFN:Łukasz\r\nEND:VCARD\r\n", uid="1", etag='"1"',
        name="VCARD", component=""), "tests")
    with write_tx(engine) as conn:
        names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert "contact_terms_trgm" in names and "contact_values_trgm" in names
        assert not {n for n in names if n.endswith("_docsize")}
        item, collection = conn.execute(text("SELECT id, collection_id FROM items")).one()
        conn.execute(text("DELETE FROM contact_terms WHERE item_id = :i"), {"i": item})
        conn.execute(text("INSERT INTO contact_terms (item_id, collection_id, field, term) "
                          "VALUES (:i, :c, 'name', '科技有限公司 wojcik')"),
                     {"i": item, "c": collection})
        fts.feed(conn, "contact_terms", item)  # as the index writer does (0018_put_fts_feed)
        conn.execute(text("INSERT INTO contact_terms_trgm(contact_terms_trgm) "
                          "VALUES ('integrity-check')"))
        found = conn.execute(text("SELECT rowid FROM contact_terms_trgm WHERE "
                                  "contact_terms_trgm MATCH '\"科技有\" AND \"技有限\"'")).all()
        assert len(found) == 1
        conn.execute(text("DELETE FROM contact_terms WHERE item_id = :i"), {"i": item})
        assert conn.execute(text("SELECT count(*) FROM contact_terms_trgm WHERE "
                                 "contact_terms_trgm MATCH '\"jci\"'")).scalar() == 0
    engine.dispose()
