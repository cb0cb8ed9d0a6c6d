"""The JSON API and the web app are built on their first request (issue 19 target 7:
a server answering only CardDAV/CalDAV does not hold FastAPI, pydantic, Jinja2 and
Babel, ~34 MB of its memory)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cms_dav.api.mount import ApiMount
from cms_dav.wsgi.request_scope import RequestScopeMiddleware


def _inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("207 Multi-Status", [("Content-Type", "text/plain")])
    return [b"dav"]


def _call(app: Any, method: str, path: str) -> str:
    statuses: list[str] = []
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "",
               "QUERY_STRING": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.input": io.BytesIO(b""),
               "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
               "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}
    b"".join(app(environ, lambda status, headers, exc=None: statuses.append(status)))
    return statuses[0]


def test_the_mounted_app_is_built_by_the_first_request_it_claims_and_only_once() -> None:
    built: list[FastAPI] = []

    def build() -> FastAPI:
        api = FastAPI()
        api.get("/api/v1/ping")(lambda: {"ok": True})
        built.append(api)
        return api

    mount = ApiMount(_inner, build, max_body_bytes=1000)
    stack = RequestScopeMiddleware(mount)
    assert _call(stack, "PROPFIND", "/alice/book/").startswith("207")
    assert built == []
    assert _call(stack, "GET", "/api/v1/ping").startswith("200")
    assert _call(stack, "GET", "/api/v1/ping").startswith("200")
    assert len(built) == 1


def test_a_stack_that_answered_only_dav_requests_has_not_imported_fastapi(
        tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import io, sys
        from pathlib import Path
        from cms_dav.app import build_app
        from cms_dav.config import load_settings

        def inner(environ, start_response):
            start_response("207 Multi-Status", [])
            return [b""]

        app = build_app(load_settings(Path({str(tmp_path / "data")!r})))
        stack = app.wrap(inner)
        environ = {{"REQUEST_METHOD": "OPTIONS", "PATH_INFO": "/alice/", "SCRIPT_NAME": "",
                   "QUERY_STRING": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                   "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
                   "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
                   "wsgi.multithread": True, "wsgi.multiprocess": False,
                   "wsgi.run_once": False}}
        b"".join(stack(environ, lambda *args: None))
        loaded = sorted(m for m in ("fastapi", "pydantic", "jinja2", "babel")
                        if m in sys.modules)
        print(",".join(loaded))
        app.close()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1:] in ([], [""])


def test_preloading_before_the_workers_fork_makes_the_web_session_secret(
        tmp_path: Path) -> None:
    """``serve --workers N`` preloads before forking: the secret file exists then, so
    workers that build the web app at the same moment all read the one key."""
    from cms_dav.app import build_app
    from cms_dav.config import load_settings
    from cms_dav.web.sessions import SECRET_FILE

    settings = load_settings(tmp_path / "data")
    with build_app(settings) as app:
        app.wrap(_inner)
        assert not (settings.data_dir / SECRET_FILE).exists()
        app.preload_mounted_apps()
        assert len(bytes.fromhex((settings.data_dir / SECRET_FILE).read_text())) == 32
