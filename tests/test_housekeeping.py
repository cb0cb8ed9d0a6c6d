"""Housekeeping (issue 13 item 5): ``cms-dav housekeeping`` and the periodic job of
``cms-dav serve`` remove what is past its retention and keep the rest.

Time passing is simulated by moving one address book's rows into the past; each test
has a book of its own on one server, and the module's server runs no periodic job
(``[housekeeping] interval = 0``), so only the test's own runs remove anything."""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from typing import Iterator

import pytest

from cms_dav.app import build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from tests.support.dav import make_addressbook, put_card, sync_collection, vcard
from tests.support.server import ServerProcess

DAY = 86_400
_BOOKS = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("housekeeping")
    config = data_dir / "cms-dav.conf"
    config.write_text("[housekeeping]\ninterval = 0\n", encoding="utf-8")
    HtpasswdFile(data_dir / "users", rounds=4).add("alice", "alice-pw")
    process = ServerProcess(data_dir=data_dir, config=config).start()
    yield process
    process.stop()


class Book:
    """One address book of alice's, and SQL conditions selecting its rows."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.path = f"alice/book{next(_BOOKS)}"
        self.url = f"{server.url}/{self.path}/"
        self.session = server.session("alice", "alice-pw")
        make_addressbook(self.session, self.url)
        self.rows = {
            "history": f"collection_path = '{self.path}'",
            "audit": f"target LIKE '{self.path}/%'",
            "changes": f"collection_id = (SELECT id FROM collections WHERE path = '{self.path}')",
        }

    def edits(self, uid: str, count: int) -> None:
        for number in range(count):
            response = put_card(self.session, f"{self.url}{uid}.vcf",
                                vcard(uid, f"Person {uid}", f"NOTE:version {number}\r\n"))
            assert response.status_code in (201, 204), response.text

    def _sql(self, query: str, *args: object) -> int:
        with sqlite3.connect(self.server.data_dir / "cms-dav.sqlite3", timeout=60) as db:
            return db.execute(query, args).fetchone()[0] if query.startswith("SELECT") \
                else db.execute(query, args).rowcount

    def age(self, table: str, column: str, days: float, where: str = "1=1") -> None:
        """Move this book's rows ``days`` into the past, as if that much time had passed."""
        self._sql(f"UPDATE {table} SET {column} = {column} - ? "
                  f"WHERE {self.rows[table]} AND {where}", days * DAY)

    def count(self, table: str, where: str = "1=1") -> int:
        return self._sql(f"SELECT count(*) FROM {table} WHERE {self.rows[table]} AND {where}")


@pytest.fixture
def book(server: ServerProcess) -> Book:
    return Book(server)


def housekeeping(server: ServerProcess) -> dict:
    return json.loads(server.cli("housekeeping", "--json", check=True).stdout)


def test_housekeeping_prunes_old_versions_down_to_the_newest_keep(server, book):
    book.edits("a", 14)  # 13 earlier versions
    book.age("history", "at", 91)
    assert housekeeping(server)["removed"]["history_versions"] == 3
    assert book.count("history", "href = 'a.vcf'") == 10


def test_housekeeping_keeps_versions_younger_than_history_days(server, book):
    book.edits("a", 14)
    book.age("history", "at", 89)
    assert housekeeping(server)["removed"]["history_versions"] == 0
    assert book.count("history", "href = 'a.vcf'") == 13


def test_housekeeping_purges_the_trash_after_trash_days_only(server, book):
    book.edits("old", 1)
    book.edits("new", 1)
    assert book.session.delete(book.url + "old.vcf").status_code in (200, 204)
    assert book.session.delete(book.url + "new.vcf").status_code in (200, 204)
    book.age("history", "at", 31, "href = 'old.vcf'")
    assert housekeeping(server)["removed"]["trash_items"] == 1
    listed = json.loads(server.cli("trash", "list", "--json", check=True).stdout)
    assert [e["href"] for e in listed if e["path"] == book.path] == ["new.vcf"]


def test_housekeeping_deletes_audit_entries_past_audit_days(server, book):
    book.edits("a", 3)
    book.age("audit", "at", 366)
    book.edits("b", 1)
    assert housekeeping(server)["removed"]["audit_entries"] == 3
    assert book.count("audit") == 1


def test_a_sync_token_older_than_token_days_is_invalid_after_housekeeping(server, book):
    book.edits("a", 1)
    _, old_token, _ = sync_collection(book.session, book.url)
    book.edits("b", 1)
    book.age("changes", "at", 31)
    assert housekeeping(server)["removed"]["sync_floors_moved"] == 1
    response, _, _ = sync_collection(book.session, book.url, old_token)
    assert response.status_code == 403
    assert "valid-sync-token" in response.text
    response, _, everything = sync_collection(book.session, book.url)
    assert response.status_code == 207
    assert set(everything) == {f"/{book.path}/a.vcf", f"/{book.path}/b.vcf"}


def test_a_run_that_removed_something_leaves_one_audit_entry(server, book):
    book.edits("a", 12)
    book.age("history", "at", 91)
    outcome = housekeeping(server)
    entry = json.loads(book._sql("SELECT detail FROM audit WHERE action = 'housekeeping' "
                                 "ORDER BY id DESC LIMIT 1"))
    assert entry == outcome["removed"] and entry["history_versions"] == 1


def test_serve_runs_housekeeping_every_interval(make_server):
    server = make_server(config_text="[housekeeping]\ninterval = 0.5\n",
                         users={"alice": "alice-pw"})
    book = Book(server)
    book.edits("a", 1)
    book.age("audit", "at", 366)
    deadline = time.monotonic() + 60
    while book.count("audit") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert book.count("audit") == 0


def test_interval_zero_starts_no_periodic_job(tmp_path):
    settings = load_settings(tmp_path / "var").with_overrides(housekeeping_interval=0.0)
    with build_app(settings, housekeeping=True) as app:
        assert app.housekeeper is None
    with build_app(load_settings(tmp_path / "var"), housekeeping=True) as app:
        assert app.housekeeper is not None and app.housekeeper.interval == 3600


def test_closing_the_app_stops_the_periodic_job(tmp_path):
    settings = load_settings(tmp_path / "var").with_overrides(housekeeping_interval=0.05)
    app = build_app(settings, housekeeping=True)
    housekeeper = app.housekeeper
    deadline = time.monotonic() + 30
    while housekeeper.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    app.close()
    assert housekeeper.runs >= 1
    assert housekeeper._thread is not None and not housekeeper._thread.is_alive()


def tokens(server: ServerProcess) -> dict[str, str]:
    listed = json.loads(server.cli("token", "list", "alice", "--json", check=True).stdout)
    return {entry["name"]: entry["state"] for entry in listed}


def age_token(server: ServerProcess, name: str, column: str, days: float) -> None:
    with sqlite3.connect(server.data_dir / "cms-dav.sqlite3", timeout=60) as db:
        db.execute(f"UPDATE app_passwords SET {column} = {column} - ? WHERE name = ?",
                   (days * DAY, name))


def test_a_revoked_app_password_kept_forever_is_deleted_after_app_password_days(server):
    for name in ("old-phone", "new-phone", "live-phone"):
        server.cli("token", "add", "alice", "--name", name, check=True)
    for name in ("old-phone", "new-phone"):
        server.cli("token", "revoke", "alice", name, check=True)
    age_token(server, "old-phone", "revoked_at", 31)
    assert housekeeping(server)["removed"]["app_passwords"] == 1
    assert tokens(server) == {"new-phone": "revoked", "live-phone": "active"}


def test_an_expired_app_password_is_deleted_after_app_password_days(server):
    server.cli("token", "add", "alice", "--name", "expired-phone", "--expires", "1d",
               check=True)
    age_token(server, "expired-phone", "expires_at", 32)
    assert housekeeping(server)["removed"]["app_passwords"] == 1
    assert "expired-phone" not in tokens(server)
