"""The request scope: one RequestContext per request, in the environ and current while
any of the request's code runs (also a body streamed after the app returned), and
nothing left behind on the thread afterwards."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Iterator

import pytest

from cms_dav import request_context
from cms_dav.request_context import ENVIRON_KEY, RequestContext
from cms_dav.wsgi.request_scope import RequestScopeMiddleware
from cms_dav.wsgi.upload_etag import UploadEtagMiddleware


def environ(method: str = "GET") -> dict[str, Any]:
    return {"REQUEST_METHOD": method, "PATH_INFO": "/alice/"}


class Answer:
    """A start_response that keeps the last answer's headers."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
                 ) -> None:
        self.headers = dict(headers)


started = Answer()


class Streaming:
    """An app whose body is a generator that records the context current at each step."""

    def __init__(self) -> None:
        self.seen_in_call: RequestContext | None = None
        self.seen_in_body: list[RequestContext | None] = []
        self.seen_in_close: list[RequestContext | None] = []

    def __call__(self, env: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        self.seen_in_call = request_context.current()
        start_response("200 OK", [])
        return self._body()

    def _body(self) -> Iterator[bytes]:
        try:
            for chunk in (b"a", b"b"):
                self.seen_in_body.append(request_context.current())
                yield chunk
        finally:
            self.seen_in_close.append(request_context.current())


def test_each_request_gets_its_own_context_in_the_environ_and_current_in_the_app() -> None:
    app = Streaming()
    first, second = environ(), environ()
    list(RequestScopeMiddleware(app)(first, started))
    in_first = app.seen_in_call
    list(RequestScopeMiddleware(app)(second, started))
    assert in_first is first[ENVIRON_KEY]
    assert app.seen_in_call is second[ENVIRON_KEY]
    assert first[ENVIRON_KEY] is not second[ENVIRON_KEY]


def test_a_body_streamed_after_the_app_returned_still_runs_in_its_request() -> None:
    app = Streaming()
    env = environ()
    body = RequestScopeMiddleware(app)(env, started)
    assert request_context.current() is None  # the app returned: the thread is clean
    chunks = list(body)
    body.close()  # type: ignore[attr-defined]  # PEP 3333: the server always closes
    assert chunks == [b"a", b"b"]
    assert app.seen_in_body == [env[ENVIRON_KEY]] * 2
    assert app.seen_in_close == [env[ENVIRON_KEY]]
    assert request_context.current() is None


def test_a_body_pulled_on_another_thread_still_runs_in_its_request() -> None:
    app = Streaming()
    env = environ()
    body = RequestScopeMiddleware(app)(env, started)
    pulled: list[bytes] = []
    worker = threading.Thread(target=lambda: pulled.extend(body))
    worker.start()
    worker.join()
    assert pulled == [b"a", b"b"]
    assert app.seen_in_body == [env[ENVIRON_KEY]] * 2


def test_a_failing_app_leaves_no_context_behind() -> None:
    def broken(env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        RequestScopeMiddleware(broken)(environ(), started)
    assert request_context.current() is None


def test_outside_a_request_nothing_is_current() -> None:
    assert request_context.current() is None


def test_a_layer_outside_the_scope_is_told_so() -> None:
    with pytest.raises(RuntimeError, match="RequestScopeMiddleware"):
        request_context.of(environ())


def test_a_modified_upload_drops_the_etag_of_its_own_request_only() -> None:
    """Regression guard: the flag lived on the worker thread and had to be reset by
    whichever layer ran first; now it dies with its request."""
    modified = iter([True, False])

    def storing(env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        context = request_context.current()
        assert context is not None
        context.upload_modified = next(modified)
        start_response("201 Created", [("ETag", '"e1"')])
        return [b""]

    app = RequestScopeMiddleware(UploadEtagMiddleware(storing))
    answer = Answer()
    app(environ("PUT"), answer)
    assert "ETag" not in answer.headers
    app(environ("PUT"), answer)
    assert answer.headers["ETag"] == '"e1"'
