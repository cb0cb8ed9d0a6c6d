"""The composition root: one App per Settings, holding every service, sharing nothing."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from radicale import auth as radicale_auth
from radicale import group as radicale_group
from radicale import rights as radicale_rights
from radicale import sharing as radicale_sharing
from radicale import storage as radicale_storage
from sqlalchemy import func, select

from cms_dav.app import PLUGIN_SECTIONS, App, build_app
from cms_dav.auth import htpasswd
from cms_dav.config import Settings, load_settings
from cms_dav.store.schema import contact_cards
from cms_dav.store.store import Store
from tests.contacts.index_support import book, card_data, vcard


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(htpasswd, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def make_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    built: list[App] = []

    def make(name: str, **overrides: Any) -> App:
        settings = load_settings(tmp_path / name).with_overrides(**overrides)
        built.append(build_app(settings))
        return built[-1]

    yield make
    for app in built:
        app.close()


def indexed_cards(store: Store) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(contact_cards)).scalar() or 0)


def put_card(store: Store, uid: str) -> None:
    store.put_item("alice/contacts", f"{uid}.vcf", card_data(vcard(uid, f"Person {uid}"), uid),
                   "test")


def test_two_apps_in_one_process_share_no_service(make_app) -> None:  # type: ignore[no-untyped-def]
    first, second = make_app("one"), make_app("two")
    for service in ("engine", "store", "policy", "shares", "authenticator"):
        assert getattr(first, service) is not getattr(second, service), service
    assert first.authenticator.throttle is not second.authenticator.throttle
    assert first.policy.file is not second.policy.file


def test_two_apps_write_each_into_their_own_database(make_app) -> None:  # type: ignore[no-untyped-def]
    first, second = make_app("one"), make_app("two")
    for app in (first, second):
        book(app.store, "alice/contacts")
    put_card(first.store, "only-in-one")
    put_card(second.store, "only-in-two")
    for app, uid in ((first, "only-in-one"), (second, "only-in-two")):
        record = app.store.collection("alice/contacts")
        assert record is not None
        assert [item.uid for item in app.store.all_items(record.id)] == [uid]
        assert indexed_cards(app.store) == 1


def test_search_indexing_does_not_depend_on_what_ran_earlier_in_the_process(
        make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Regression: hooks were module globals installed by the first open_store, so a
    plain store indexed or not depending on what had run before it."""
    plain_first = Store.open(f"sqlite:///{tmp_path / 'plain-1.sqlite3'}")
    book(plain_first, "alice/contacts")
    put_card(plain_first, "a")
    assert indexed_cards(plain_first) == 0

    app = make_app("app")
    book(app.store, "alice/contacts")
    put_card(app.store, "b")
    assert indexed_cards(app.store) == 1

    plain_after = Store.open(f"sqlite:///{tmp_path / 'plain-2.sqlite3'}")
    book(plain_after, "alice/contacts")
    put_card(plain_after, "c")
    assert indexed_cards(plain_after) == 0


def test_the_apps_store_keeps_interaction_notes_a_client_dropped(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app("notes")
    book(app.store, "alice/contacts")
    note = "X-CMS-INTERACTION:i-1;call;20260101T090000Z;alice;;Called"
    app.store.put_item("alice/contacts", "x.vcf", card_data(vcard("x", "X", note), "x"), "t")
    result = app.store.put_item("alice/contacts", "x.vcf", card_data(vcard("x", "X"), "x"), "t")
    assert result.modified and "i-1" in (result.new.text or "")


def test_radicale_configuration_names_cms_davs_plugins(make_app) -> None:  # type: ignore[no-untyped-def]
    configuration = make_app("config").radicale_configuration()
    for section in PLUGIN_SECTIONS:
        plugin = configuration.get(section, "type")
        assert callable(plugin) and str(plugin) == f"cms_dav_plugins.{section}", section


def test_radicale_builds_each_plugin_around_the_apps_own_service(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app("plugins")
    configuration = app.radicale_configuration()
    assert radicale_storage.load(configuration).store is app.store
    assert radicale_auth.load(configuration)._authenticator is app.authenticator
    assert radicale_rights.load(configuration)._policy is app.policy
    assert radicale_group.load(configuration)._policy is app.policy
    assert radicale_sharing.load(configuration)._db is app.shares


def test_radicale_sections_cannot_replace_cms_davs_plugins(make_app) -> None:  # type: ignore[no-untyped-def]
    extra = {section: {"type": "none"} for section in PLUGIN_SECTIONS}
    extra["auth"] = {"type": "htpasswd"}
    extra["rights"] = {"type": "owner_only"}
    configuration = make_app("extra", extra_radicale=extra).radicale_configuration()
    for section in PLUGIN_SECTIONS:
        assert str(configuration.get(section, "type")) == f"cms_dav_plugins.{section}"


def propfind_status(app_wsgi: Any, user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    body = b'<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>'
    environ = {"REQUEST_METHOD": "PROPFIND", "PATH_INFO": f"/{user}/", "SCRIPT_NAME": "",
               "QUERY_STRING": "", "SERVER_NAME": "localhost", "SERVER_PORT": "5232",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_DEPTH": "0", "HTTP_AUTHORIZATION": f"Basic {token}",
               "CONTENT_TYPE": "application/xml", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
               "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
               "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}
    statuses: list[str] = []
    b"".join(app_wsgi(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses[0]


def test_each_apps_http_stack_logs_in_against_its_own_users(make_app) -> None:  # type: ignore[no-untyped-def]
    first, second = make_app("one"), make_app("two")
    first.authenticator.users.add("alice", "alice-pw")
    assert propfind_status(first.wsgi(), "alice", "alice-pw").startswith("207")
    assert propfind_status(second.wsgi(), "alice", "alice-pw").startswith("401")


def test_building_an_app_migrates_its_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var",
                        database_url=f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
                        htpasswd_file=tmp_path / "var" / "users",
                        rights_file=tmp_path / "var" / "rights.toml")
    with build_app(settings) as app:
        assert app.store.children("") == []  # the tables exist


@pytest.mark.parametrize("module", [f"cms_dav_plugins.{section}" for section in PLUGIN_SECTIONS])
def test_a_missing_plugin_module_is_a_start_up_error_naming_it(module: str,
                                                                tmp_path: Path) -> None:
    """Building the App imports every plugin first (the module itself loads none, so
    that a read-only command's :func:`build_reader` does not)."""
    code = (f"import sys; sys.modules[{module!r}] = None\n"
            "from cms_dav.app import build_app\nfrom cms_dav.config import load_settings\n"
            f"build_app(load_settings({str(tmp_path / 'var')!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and module in done.stderr


def checkpoint_threads() -> int:
    import threading
    return sum(thread.name == "cms-dav-wal-checkpoint" for thread in threading.enumerate())


def test_closing_a_serving_app_stops_its_checkpoint_thread(tmp_path: Path) -> None:
    import time
    before = checkpoint_threads()
    app = build_app(load_settings(tmp_path / "serve"), background_checkpoints=True)
    assert app.checkpointer is not None and checkpoint_threads() == before + 1
    app.close()
    deadline = time.monotonic() + 5
    while checkpoint_threads() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checkpoint_threads() == before
