"""Fixtures: the real server on a free loopback port, on SQLite and (when available)
PostgreSQL. ``CMS_DAV_REQUIRE_PG=1`` (set by .ci/run) turns a missing PostgreSQL into
a failure instead of a skip."""

from __future__ import annotations

import compileall
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.support.dav import empty_collection, hrefs, propfind
from tests.support.server import ServerProcess, UsersTemplates


@pytest.fixture(scope="session")
def vdirsyncer_binary() -> str:
    """The vdirsyncer binary (see tests.support.vdirsyncer.requires_vdirsyncer)."""
    from tests.support.vdirsyncer import vdirsyncer_path
    return vdirsyncer_path()


#: the project's own Python, imported anew by every server and CLI subprocess a test starts
SOURCES = [Path(__file__).resolve().parents[1] / name
           for name in ("cms_dav", "plugins", "bench", "tests")]


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile the project once, in the controller, before any xdist worker or
    server starts. With ``PYTHONDONTWRITEBYTECODE`` set (as on the project's machines)
    Python caches nothing it compiles: every ``cms-dav serve`` and CLI subprocess then
    compiled its ~390 cms_dav modules again, 0.6 s of CPU each time. A ``.pyc`` records
    its source's mtime and size, so one for an edited file is never used."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller did it
        return
    for folder in SOURCES:
        compileall.compile_dir(folder, quiet=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a test marked ``slow`` first, then the others by falling test count,
    each file's tests together and in their order. ``dev.py test`` runs
    ``--dist loadfile --no-loadscope-reorder``, so this is the order in which the files
    go to the xdist workers: a minutes-long file handed out last would keep one
    worker busy while the others idle (xdist's own order, by test count alone, hands
    out the long one-test files last)."""
    by_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def first(tests: list[pytest.Item]) -> tuple[bool, int]:
        return (not any(test.get_closest_marker("slow") for test in tests), -len(tests))

    items[:] = [test for tests in sorted(by_file.values(), key=first) for test in tests]


PG_URL = os.environ.get("CMS_DAV_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it cannot be used."""
    try:
        import psycopg
        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at {PG_URL} not reachable ({type(exc).__name__}: {exc})"


_PG_PROBLEM: str | None | bool = False


def pg_problem() -> str | None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_available()
    return _PG_PROBLEM  # type: ignore[return-value]


def require_pg() -> None:
    problem = pg_problem()
    if problem is None:
        return
    if os.environ.get("CMS_DAV_REQUIRE_PG") == "1":
        pytest.fail(f"PostgreSQL is required (CMS_DAV_REQUIRE_PG=1): {problem}")
    pytest.skip(f"{problem}; set CMS_DAV_TEST_PG_URL to run the PostgreSQL tests")


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema, dropped on exit."""
    require_pg()
    import psycopg
    # random, so parallel workers never meet; the xdist worker's name tells whose it is
    schema = f"t_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{secrets.token_hex(6)}"
    plain = PG_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    with fresh_pg_schema() as url:
        yield url


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def backend_config(backend: str, data_dir: Path) -> Iterator[Path | None]:
    """The config file for a server on ``data_dir`` over ``backend``: none for "sqlite"
    (the data directory's own database), for "postgres" a ``cms-dav.conf`` there naming
    a fresh schema (:func:`fresh_pg_schema`), dropped on exit."""
    if backend == "sqlite":
        yield None
        return
    with fresh_pg_schema() as url:
        yield write_config(data_dir / "cms-dav.conf", f"[storage]\ndatabase_url = {url}\n")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Parametrizes a test over both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'cms-dav.sqlite3'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture(scope="session")
def users_templates(tmp_path_factory: pytest.TempPathFactory) -> UsersTemplates:
    """Data directories whose users were added once per test run (see UsersTemplates)."""
    return UsersTemplates(tmp_path_factory)


@pytest.fixture
def make_server(tmp_path: Path, users_templates: UsersTemplates
                ) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def factory(data_dir: Path | None = None, config_text: str | None = None,
                users: dict[str, str] | None = None, workers: int = 1) -> ServerProcess:
        data_dir = data_dir or tmp_path / f"data{len(started)}"
        fresh = not data_dir.exists() or not any(data_dir.iterdir())
        data_dir.mkdir(parents=True, exist_ok=True)
        config = None
        if config_text is not None:
            config = write_config(data_dir / "cms-dav.conf", config_text)
        server = ServerProcess(data_dir=data_dir, config=config, workers=workers)
        if users and fresh and users_templates.fits(config_text):
            users_templates.copy_into(data_dir, users)
        else:
            for name, password in (users or {}).items():
                server.add_user(name, password)
        started.append(server.start())
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A fresh server (SQLite) with users alice and bob (passwords alice-pw, bob-pw)."""
    return make_server(users={"alice": "alice-pw", "bob": "bob-pw"})


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory, users_templates: UsersTemplates
                  ) -> Iterator[ServerProcess]:
    """One server (SQLite) with users alice and bob (passwords alice-pw, bob-pw) shared by
    a module's tests: for tests that each work in collections of their own (or clean up
    the ones they share), so that a module starts one server, not one per test."""
    data_dir = tmp_path_factory.mktemp("module-server")
    users_templates.copy_into(data_dir, {"alice": "alice-pw", "bob": "bob-pw"})
    server = ServerProcess(data_dir=data_dir).start()
    yield server
    server.stop()


#: PROPFIND body asking only whether each child is a collection
RESOURCETYPE = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/>'
                '</d:prop></d:propfind>')


@pytest.fixture
def shared_server(module_server: ServerProcess) -> Iterator[ServerProcess]:
    """The module's server for a test that makes collections in alice's home: those it
    made are deleted after it, so each test finds alice's home as the first one did."""
    alice = module_server.session("alice", "alice-pw")
    home = f"{module_server.url}/alice/"
    before = set(hrefs(propfind(alice, home, RESOURCETYPE)))
    yield module_server
    for href in sorted(set(hrefs(propfind(alice, home, RESOURCETYPE))) - before):
        response = alice.delete(module_server.url + href)
        assert response.status_code in (200, 204), f"DELETE {href}: {response.text}"


@pytest.fixture
def emptied_server(shared_server: ServerProcess) -> Iterator[ServerProcess]:
    """shared_server for a test that writes into the default collections every user gets
    (``contacts/`` and ``calendar/`` of alice and bob): they are emptied after it, so each
    test finds them empty as on a fresh server."""
    yield shared_server
    for user in ("alice", "bob"):
        session = shared_server.session(user, f"{user}-pw")
        for collection in ("contacts", "calendar"):
            empty_collection(session, f"{shared_server.url}/{user}/{collection}/")
