"""Differential test: the fast GET of one item against Radicale's own answer.

Two WSGI stacks in this process over one database (as in
tests/wsgi/test_fast_listing_differential.py): the fast one (cms_dav.wsgi.fast_get on)
and one with ``fast_listing = false``, where Radicale answers every GET. Hypothesis
draws item names and texts (non-ASCII, URL- and XML-special characters), the kind of
collection, gzip or not, and who asks; every GET goes to both stacks and the answers
must be identical: status, every header in its order, every byte of the body.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from radicale import pathutils
from sqlalchemy import event

from cms_dav.app import App, build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from tests.conftest import backend_config
from tests.wsgi.test_fast_listing_differential import (NAME_CHARS, World, card, event_text,
                                                       make_collection, texts)
from tests.wsgi.wsgi_call import WSGIApp, call

EXAMPLES = int(os.environ.get("CMS_DAV_FUZZ_EXAMPLES") or 25)
BOOK, CALENDAR = "/alice/book/", "/alice/cal/"
ALICE, BOB = ("alice", "alice-pw"), ("bob", "bob-pw")


@dataclasses.dataclass
class GetWorld(World):
    apps: tuple[App, ...] = ()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[GetWorld]:
    data_dir: Path = tmp_path_factory.mktemp("fast-get")
    with backend_config(request.param, data_dir) as config:
        yield from _world(data_dir, config)


def _world(data_dir: Path, config: Path | None) -> Iterator[GetWorld]:
    base = load_settings(data_dir=data_dir, config_file=config)
    users = HtpasswdFile(base.htpasswd_file, rounds=4)
    for user in ("alice", "bob"):
        users.add(user, f"{user}-pw")
    fast_app = build_app(base)
    slow_app = build_app(dataclasses.replace(base, fast_listing=False))
    built = GetWorld(fast_app.wsgi(), slow_app.wsgi(), data_dir, config, (fast_app, slow_app))
    make_collection(built, "alice", BOOK, "VADDRESSBOOK")
    make_collection(built, "alice", CALENDAR, "VCALENDAR")
    for user in ("alice", "bob"):  # both stacks' login caches know both users
        for app in (built.fast, built.slow):
            call(app, "PROPFIND", f"/{user}/", b"", {"Depth": "0"}, (user, f"{user}-pw"))
    try:
        yield built
    finally:
        fast_app.close()
        slow_app.close()


#: item names Radicale stores: what its own check calls a safe file name (no leading
#: ".", no trailing "~"), without surrounding blanks
names = st.text(st.sampled_from(NAME_CHARS), min_size=1, max_size=12).filter(
    lambda s: pathutils.is_safe_filesystem_path_component(s) and s == s.strip())


def _put(world: GetWorld, calendar: bool, name: str, text: str) -> str:
    path = (CALENDAR if calendar else BOOK) + quote(name)
    body = event_text(name, text, text, 3) if calendar else card(name, text or "x", text)
    answer = call(world.slow, "PUT", path, body,
                  {"Content-Type": "text/calendar" if calendar else "text/vcard"}, ALICE)
    assert answer.code in (201, 204), answer
    return path


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(calendar=st.booleans(), name=names, text=texts, gzip=st.booleans())
def test_get_of_an_own_item_is_radicales_answer(world: GetWorld, calendar: bool, name: str,
                                                text: str, gzip: bool) -> None:
    path = _put(world, calendar, name, text)
    headers = {"Accept-Encoding": "gzip, deflate"} if gzip else {}
    fast, slow = world.both("GET", path, b"", headers, ALICE)
    assert slow.code == 200
    assert fast == slow


@pytest.mark.parametrize("who, path", [
    (BOB, BOOK + "shared.vcf"),                 # somebody else's item: Radicale's 403
    (ALICE, BOOK + "missing.vcf"),              # no such item: Radicale's 404
    (("alice", "wrong"), BOOK + "shared.vcf"),  # a wrong password: Radicale's 401
    (ALICE, BOOK),                              # the collection: Radicale's export
])
def test_every_other_get_is_radicales_answer(world: GetWorld, who: tuple[str, str],
                                             path: str) -> None:
    _put(world, False, "shared.vcf", "Shared")
    fast, slow = world.both("GET", path, b"", {}, who)
    assert fast == slow


def _statements(app: App, stack: WSGIApp, path: str) -> list[str]:
    """The SQL statements (transaction control and connection set-up left out) of one
    GET through ``stack``, as the driver sees them: the fast GET reads on a DBAPI
    connection, below SQLAlchemy's execution events."""
    call(stack, "GET", path, b"", {}, ALICE)  # caches warm, as for a client's next GET
    statements: list[str] = []

    def traced(statement: str) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            statements.append(statement)

    def trace(dbapi_connection: Any, record: object) -> None:
        if hasattr(dbapi_connection, "set_trace_callback"):  # sqlite3
            dbapi_connection.set_trace_callback(traced)
            return

        class Counted(dbapi_connection.cursor_factory):  # type: ignore[name-defined,misc]
            def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
                traced(str(query))
                return super().execute(query, *args, **kwargs)

        dbapi_connection.cursor_factory = Counted  # psycopg

    app.engine.dispose()  # every connection of the counted GET is a new one, traced
    event.listen(app.engine, "connect", trace)
    try:
        assert call(stack, "GET", path, b"", {}, ALICE).code == 200
    finally:
        event.remove(app.engine, "connect", trace)
        app.engine.dispose()
    return statements


def test_get_of_an_own_item_reads_the_item_with_one_statement(world: GetWorld) -> None:
    path = _put(world, False, "counted.vcf", "Counted")
    fast = _statements(world.apps[0], world.fast, path)
    slow = _statements(world.apps[1], world.slow, path)
    # the owner's own collection: the policy answers from path and login, no query
    assert len(fast) == 1 and "items" in fast[0], fast
    assert len(fast) < len(slow), (fast, slow)
