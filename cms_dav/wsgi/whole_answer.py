"""Running the inner application to the end, for layers that decide after its answer
(principal search replaces it, calendar auto-creation may run the request again)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable, Iterable

WSGIApp = Callable[..., Iterable[bytes]]


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def send(self, start_response: Callable[..., Any]) -> list[bytes]:
        start_response(self.status, self.headers)
        return [self.body]


def buffered_body(environ: dict[str, Any]) -> bytes:
    """The request body (outer layers have bounded it), left readable again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def whole_answer(app: WSGIApp, environ: dict[str, Any]) -> Answer:
    """``app``'s complete answer to ``environ`` (its iterable closed)."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                ) -> Callable[[bytes], None]:
        captured.update(status=status, headers=headers)
        return lambda _data: None

    result = app(environ, capture)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Answer(captured["status"], list(captured["headers"]), body)
