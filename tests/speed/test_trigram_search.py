"""Substring search through the trigram index (cms_dav.contacts.trigram).

One server per backend (SQLite: FTS5 trigram tables; PostgreSQL: pg_trgm indexes)
holds generated cards with Polish, German, French and Chinese names. Hypothesis draws
substrings (of stored values, and made-up ones); the addressbook-query prefilter and
``cms-dav search`` must find exactly what they find with the index switched off (the
LIKE scan). Writes through HTTP (PUT, overwrite, DELETE, MOVE) keep the index in step.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Iterator
from unittest import mock
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from radicale import item as radicale_item
from radicale.app.report import test_filter as radicale_test_filter
from sqlalchemy import Engine, create_engine, select, text

from cms_dav.contacts import query as contact_query
from cms_dav.contacts import trigram
from cms_dav.contacts.dav_prefilter import candidate_hrefs, candidates
from cms_dav.store.schema import collections, contact_terms, contact_values, items
from tests.conftest import fresh_pg_schema
from tests.support.dav import make_addressbook, put_card, vcard
from tests.support.server import ServerProcess

CR = "urn:ietf:params:xml:ns:carddav"
GIVEN = ["Zażółć", "Łukasz", "Jürgen", "Hélène", "曾", "小明", "Anna", "Ωmega", "Søren"]
FAMILY = ["Wójcik", "Gęślą-Jaźń", "Müller", "Lefèvre", "曾小明", "王秀英", "Smith", "Ærø"]
ORGS = ["Żabka sp. z o.o.", "北京大学", "Café Noir", "ACME 100%_off"]
#: characters made-up queries are drawn from (LIKE wildcards and quotes included)
QUERY_CHARS = list("aeiouwójcikłżźęśüèø曾小明王北京 -%_\"'*()") + ["ß", "Ω"]


def card_text(index: int, rng: random.Random) -> str:
    name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
    extra = (f"ORG:{rng.choice(ORGS)}\r\n"
             f"EMAIL:{rng.choice(GIVEN).lower()}.{index}@przykład.pl\r\n")
    return vcard(f"uid-{index}", name, extra)


class Served:
    def __init__(self, server: ServerProcess, engine: Engine) -> None:
        self.server, self.engine = server, engine
        self.session = server.session("alice", "alice-pw")
        self.book = f"{server.url}/alice/people/"

    def collection_id(self, path: str = "alice/people") -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(collections.c.id).where(
                collections.c.path == path)).scalar_one())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Served]:
    data_dir: Path = tmp_path_factory.mktemp("trigram")
    if request.param == "sqlite":
        yield from _serve(data_dir, None, f"sqlite:///{data_dir / 'cms-dav.sqlite3'}")
        return
    with fresh_pg_schema() as url:
        config = data_dir / "cms-dav.conf"
        config.write_text(f"[storage]\ndatabase_url = {url}\n", encoding="utf-8")
        yield from _serve(data_dir, config, url)


def _serve(data_dir: Path, config: Path | None, url: str) -> Iterator[Served]:
    server = ServerProcess(data_dir=data_dir, config=config)
    server.add_user("alice", "alice-pw")
    server.start()
    engine = create_engine(url)
    try:
        built = Served(server, engine)
        make_addressbook(built.session, built.book)
        rng = random.Random(19)
        for index in range(30):
            answer = put_card(built.session, f"{built.book}c{index}.vcf", card_text(index, rng))
            assert answer.status_code == 201, answer.text
        yield built
    finally:
        engine.dispose()
        server.stop()


def test_the_backend_has_its_trigram_index(served: Served) -> None:
    with served.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert trigram.has_fts(conn, contact_values) and trigram.has_fts(conn, contact_terms)
        else:
            names = set(conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )).scalars())
            assert {"ix_contact_values_trgm", "ix_contact_terms_trgm"} <= names


def text_filter(prop: str, value: str, match_type: str = "contains") -> ET.Element:
    root = ET.Element(f"{{{CR}}}filter")
    prop_filter = ET.SubElement(root, f"{{{CR}}}prop-filter", name=prop)
    match = ET.SubElement(prop_filter, f"{{{CR}}}text-match", {"match-type": match_type})
    match.text = value
    return root


def without_index() -> mock._patch[Callable[..., None]]:
    return mock.patch.object(trigram, "narrowed", lambda *args: None)


def stored_substrings(served: Served) -> list[str]:
    with served.engine.connect() as conn:
        values = sorted(conn.execute(select(contact_values.c.value)).scalars())
    return [v[i:i + n] for v in values for i in range(0, len(v), 4) for n in (3, 5)
            if len(v[i:i + n]) == n]


queries = st.one_of(st.text(st.sampled_from(QUERY_CHARS), min_size=1, max_size=8),
                    st.integers(0, 10_000))
FUZZ = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(prop=st.sampled_from(["FN", "N", "ORG", "EMAIL"]), drawn=queries,
       match_type=st.sampled_from(["contains", "starts-with", "ends-with"]))
def test_addressbook_query_candidates_equal_the_scan(served: Served, prop: str,
                                                     drawn: str | int, match_type: str) -> None:
    value = drawn if isinstance(drawn, str) else \
        (lambda found: found[drawn % len(found)])(stored_substrings(served))
    filters = [text_filter(prop, value, match_type)]
    cid = served.collection_id()
    with served.engine.connect() as conn:
        indexed = candidate_hrefs(conn, cid, filters)
        with without_index():
            scanned = candidate_hrefs(conn, cid, filters)
    assert indexed == scanned


def radicale_matches(served: Served, filters: list[ET.Element]) -> set[str]:
    """The full scan: Radicale's own filter applied to every card of the book."""
    with served.engine.connect() as conn:
        rows = conn.execute(select(items.c.href, items.c.text).where(
            items.c.collection_id == served.collection_id())).all()
    return {href for href, card in rows
            if all(radicale_test_filter("VADDRESSBOOK",
                                        radicale_item.Item(collection_path="alice/people",
                                                           text=card), f) for f in filters)}


def prop_filters(props: list[str], values: list[str], match_types: list[str],
                 test: str) -> ET.Element:
    root = ET.Element(f"{{{CR}}}filter", test=test)
    for prop, value, match_type in zip(props, values, match_types, strict=False):
        prop_filter = ET.SubElement(root, f"{{{CR}}}prop-filter", name=prop)
        match = ET.SubElement(prop_filter, f"{{{CR}}}text-match", {"match-type": match_type})
        match.text = value
    return root


@FUZZ
@given(props=st.lists(st.sampled_from(["FN", "N", "ORG", "EMAIL"]), min_size=1, max_size=2),
       drawn=st.lists(queries, min_size=2, max_size=2),
       match_types=st.lists(st.sampled_from(["contains", "starts-with", "ends-with", "equals"]),
                            min_size=2, max_size=2),
       test=st.sampled_from(["anyof", "allof"]))
def test_cards_the_index_reports_as_matched_are_radicales_matches(
        served: Served, props: list[str], drawn: list[str | int], match_types: list[str],
        test: str) -> None:
    found = stored_substrings(served)
    values = [d if isinstance(d, str) else found[d % len(found)] for d in drawn]
    filters = [prop_filters(props, values, match_types, test)]
    with served.engine.connect() as conn:
        chosen = candidates(conn, served.collection_id(), filters)
    assert chosen is not None
    # every card is indexed at its ETag: the index answers alone, equal to the scan
    assert set(chosen.matched) == set(chosen.hrefs) == radicale_matches(served, filters)


@pytest.mark.parametrize("filters", [
    [text_filter("N", "smith", "contains")],                       # exact
    [prop_filters(["ORG", "FN"], ["北京", "anna"], ["contains", "contains"], "allof")],
])
def test_addressbook_query_answered_from_the_index_equals_the_scan(
        served: Served, filters: list[ET.Element]) -> None:
    body = (f'<?xml version="1.0" encoding="utf-8"?><cr:addressbook-query xmlns:d="DAV:" '
            f'xmlns:cr="{CR}"><d:prop><d:getetag/></d:prop>'
            f"{ET.tostring(filters[0], encoding='unicode')}</cr:addressbook-query>")
    answer = served.session.request("REPORT", served.book, data=body.encode(),
                                    headers={"Depth": "1", "Content-Type": "application/xml"})
    assert answer.status_code == 207, answer.text
    hrefs = {el.text.rsplit("/", 1)[1] for el in ET.fromstring(answer.content).iter("{DAV:}href")
             if el.text}
    assert hrefs and hrefs == radicale_matches(served, filters)


@FUZZ
@given(drawn=queries)
def test_search_finds_what_the_scan_finds(served: Served, drawn: str | int) -> None:
    value = drawn if isinstance(drawn, str) else \
        (lambda found: found[drawn % len(found)])(stored_substrings(served))
    if not value.strip():
        return  # an empty query is refused by parse_query either way
    with served.engine.connect() as conn:
        books = contact_query.address_books(conn, None, None)
        try:
            indexed = contact_query.search(conn, books, value)
        except ValueError:
            return
        with without_index():
            scanned = contact_query.search(conn, books, value)
    assert indexed == scanned


def addressbook_query(served: Served, book: str, value: str) -> list[str]:
    body = (f'<?xml version="1.0" encoding="utf-8"?><cr:addressbook-query xmlns:d="DAV:" '
            f'xmlns:cr="{CR}"><d:prop><d:getetag/></d:prop><cr:filter>'
            f'<cr:prop-filter name="FN"><cr:text-match match-type="contains">{value}'
            f"</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>")
    answer = served.session.request("REPORT", book, data=body.encode(),
                                    headers={"Depth": "1", "Content-Type": "application/xml"})
    assert answer.status_code == 207, answer.text
    root = ET.fromstring(answer.content)
    return sorted(el.text or "" for el in root.iter("{DAV:}href"))


def indexed_hrefs(served: Served, value: str, path: str = "alice/people") -> list[str]:
    with served.engine.connect() as conn:
        return candidate_hrefs(conn, served.collection_id(path),
                               [text_filter("FN", value)]) or []


def test_a_put_card_is_found_by_a_substring(served: Served) -> None:
    answer = put_card(served.session, served.book + "new.vcf",
                      vcard("new-1", "Śmigły-Rydz 曾国藩"))
    assert answer.status_code == 201
    assert indexed_hrefs(served, "śmigły-ry") == ["new.vcf"]
    assert indexed_hrefs(served, "曾国藩") == ["new.vcf"]
    assert addressbook_query(served, served.book, "曾国藩") == ["/alice/people/new.vcf"]


def test_an_overwritten_card_is_found_by_its_new_name_only(served: Served) -> None:
    put_card(served.session, served.book + "renamed.vcf", vcard("ren-1", "Przybyszewski Ola"))
    answer = put_card(served.session, served.book + "renamed.vcf",
                      vcard("ren-1", "Konopnicka Ola"))
    assert answer.status_code == 204
    assert indexed_hrefs(served, "przybysz") == []
    assert indexed_hrefs(served, "konopnick") == ["renamed.vcf"]


def test_a_deleted_card_is_no_longer_found(served: Served) -> None:
    put_card(served.session, served.book + "gone.vcf", vcard("gone-1", "Brzęczyszczykiewicz"))
    assert served.session.delete(served.book + "gone.vcf").status_code in (200, 204)
    assert indexed_hrefs(served, "czyszczyk") == []
    assert addressbook_query(served, served.book, "czyszczyk") == []


def test_a_moved_card_is_found_in_its_new_book_only(served: Served) -> None:
    other = f"{served.server.url}/alice/moved-to/"
    make_addressbook(served.session, other)
    put_card(served.session, served.book + "mover.vcf", vcard("mv-1", "Kościuszko Tadeusz"))
    answer = served.session.request("MOVE", served.book + "mover.vcf",
                                    headers={"Destination": other + "mover.vcf"})
    assert answer.status_code in (201, 204), answer.text
    assert indexed_hrefs(served, "kościusz") == []
    assert indexed_hrefs(served, "kościusz", "alice/moved-to") == ["mover.vcf"]


def test_cms_dav_search_finds_a_cjk_substring(served: Served) -> None:
    put_card(served.session, served.book + "cli.vcf", vcard("cli-1", "欧阳修文 Zhang"))
    done = served.server.cli("search", "阳修文", "--user", "alice", "--json")
    assert done.returncode == 0, done.stderr
    assert "cli.vcf" in done.stdout
