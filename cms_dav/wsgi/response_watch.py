"""What a request came to: status, bytes sent and duration, reported once its response
body is closed (PEP 3333: the server always calls ``close()``), or at once when the body
is a list (nothing runs while it is sent), for the request log and the metrics layers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Outcome:
    #: the status code (0 when the application raised before answering)
    status: int = 0
    #: response body bytes handed to the server
    bytes_sent: int = 0
    #: seconds from the call of the application to the close of its body
    duration: float = 0.0


def watch(app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any],
          done: Callable[[Outcome], None]) -> Iterable[bytes]:
    """Call ``app`` and report its :class:`Outcome` to ``done`` exactly once."""
    outcome, started = Outcome(), time.monotonic()

    def watching_start_response(status: str, headers: list[tuple[str, str]],
                                exc_info: Any = None) -> Callable[[bytes], Any]:
        try:
            outcome.status = int(status.split(" ", 1)[0])
        except ValueError:
            outcome.status = 0
        return start_response(status, headers, exc_info) if exc_info is not None \
            else start_response(status, headers)

    try:
        body = app(environ, watching_start_response)
    except BaseException:
        outcome.status = outcome.status or 500
        outcome.duration = time.monotonic() - started
        done(outcome)
        raise
    if isinstance(body, (list, tuple)):  # all there: report now, keep the cheap list
        outcome.bytes_sent = sum(len(chunk) for chunk in body)
        outcome.duration = time.monotonic() - started
        done(outcome)
        return body
    return WatchedBody(body, outcome, started, done)


class WatchedBody:
    def __init__(self, body: Iterable[bytes], outcome: Outcome, started: float,
                 done: Callable[[Outcome], None]) -> None:
        self._body = body
        self._chunks: Iterator[bytes] | None = None
        self._outcome = outcome
        self._started = started
        self._done: Callable[[Outcome], None] | None = done

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._chunks is None:
            self._chunks = iter(self._body)
        chunk = next(self._chunks)
        self._outcome.bytes_sent += len(chunk)
        return chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            done, self._done = self._done, None
            if done is not None:
                self._outcome.duration = time.monotonic() - self._started
                done(self._outcome)
