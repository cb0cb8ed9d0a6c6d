"""Issue 17 item 4: ``/.cms/health`` (liveness) and ``?ready`` (database reachable,
migrations current), without login and without data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import text

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from tests.operations.support import start
from tests.support.server import ServerProcess
from tests.support.sourced import send


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start(tmp_path_factory.mktemp("health"), "")
    yield process
    process.stop()


def test_health_answers_ok_without_login(server: ServerProcess) -> None:
    answer = send(server, "GET", "/.cms/health")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert json.loads(answer.body) == {"status": "ok"}


def test_ready_reports_the_database_and_current_migrations(server: ServerProcess) -> None:
    answer = send(server, "GET", "/.cms/health?ready")
    assert (answer.status, json.loads(answer.body)) == (
        200, {"status": "ok", "database": "ok", "migrations": "current"})


def test_health_refuses_other_methods_naming_the_one_to_use(server: ServerProcess) -> None:
    answer = send(server, "POST", "/.cms/health", body=b"")
    assert answer.status == 405
    assert answer.headers["allow"] == "GET, HEAD"
    assert "use GET" in json.loads(answer.body)["error"]


def call(app: Any, path: str, query: str = "") -> tuple[str, dict[str, str]]:
    seen: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
               "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "x", "SERVER_PORT": "1",
               "wsgi.url_scheme": "http"}
    body = b"".join(app(environ, lambda status, headers, exc=None: seen.append(status)))
    return seen[0], json.loads(body)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    with build_app(load_settings(tmp_path)) as built:
        yield built


def test_ready_is_503_when_the_database_is_behind_the_code(app: App) -> None:
    stack = app.wrap(lambda environ, start_response: [])
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    status, body = call(stack, "/.cms/health", "ready")
    assert status.startswith("503")
    assert body == {"status": "unavailable", "database": "ok", "migrations": "behind"}
    # liveness does not depend on the database
    assert call(stack, "/.cms/health")[0].startswith("200")


def test_ready_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    with build_app(settings) as app:
        stack = app.wrap(lambda environ, start_response: [])
        app.engine.dispose()
        (tmp_path / "cms-dav.sqlite3").unlink()
        (tmp_path / "cms-dav.sqlite3").mkdir()  # cannot be opened as a database
        status, body = call(stack, "/.cms/health", "ready")
    assert status.startswith("503")
    assert body == {"status": "unavailable", "database": "unreachable",
                    "migrations": "unknown"}
