"""A whole small answer is written by the worker's hand-over callback on the event loop:
the connection's task then sleeps until the next request's bytes are there (one wake-up
per request, not two), and the answer keeps every check ``_respond`` makes (issue 19)."""

from __future__ import annotations

import gc
import socket
from typing import Any, Callable, Coroutine, Generator, Iterable

from tests.serving.inprocess_front import InProcessFront
from tests.serving.rawhttp import Reader, head

BODY = b"BEGIN:VCARD\r\nFN:Alice\r\nEND:VCARD\r\n"


def small(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/bad-header":
        start_response("200 OK", [("X-Bad", "a\r\nInjected: yes"), ("Content-Length", "2")])
        return [b"ok"]
    if environ["PATH_INFO"] == "/short":  # fewer body bytes than its Content-Length says
        start_response("200 OK", [("Content-Length", str(len(BODY) + 10))])
        return [BODY]
    start_response("200 OK", [("Content-Type", "text/vcard"), ("Content-Length", str(len(BODY)))])
    return [BODY]


class Suspensions:
    """Awaits a coroutine in its place, counting how often it went to sleep."""

    def __init__(self) -> None:
        self.count = 0

    def around(self, coroutine: Coroutine[Any, Any, None]) -> "_Counted":
        return _Counted(self, coroutine)


class _Counted:
    def __init__(self, counter: Suspensions, coroutine: Coroutine[Any, Any, None]) -> None:
        self.counter = counter
        self.coroutine = coroutine

    def __await__(self) -> Generator[Any, Any, None]:
        send: Callable[[Any], Any] = self.coroutine.send
        message: Any = None
        while True:
            try:
                awaited = send(message)
            except StopIteration:
                return
            self.counter.count += 1
            try:
                message = yield awaited
                send = self.coroutine.send
            except BaseException as exc:  # noqa: BLE001 - passed on as asyncio would
                send, message = self.coroutine.throw, exc


def test_a_small_answer_wakes_the_connection_task_once_per_request() -> None:
    requests = 20
    suspensions = Suspensions()
    with InProcessFront(small, around=suspensions.around) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            reader = Reader(sock)
            for index in range(requests):
                sock.sendall(head("GET", f"/c{index}.vcf"))
                assert reader.response().body == BODY
    # each request: its bytes wake the task; the answer no longer does (was 2 per request)
    assert suspensions.count <= requests + 2


def test_pipelined_small_answers_come_in_order_whole() -> None:
    with InProcessFront(small) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            sock.sendall(b"".join(head("GET", f"/c{index}.vcf") for index in range(5)))
            reader = Reader(sock)
            assert [reader.response().body for _ in range(5)] == [BODY] * 5


def test_a_header_with_a_line_break_from_the_app_is_refused_500() -> None:
    with InProcessFront(small) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            sock.sendall(head("GET", "/bad-header"))
            reader = Reader(sock)
            response = reader.response()
            assert response.status == 500
            assert b"Injected" not in response.body and "injected" not in response.headers


def test_a_body_shorter_than_its_content_length_is_cut_off_not_sent() -> None:
    with InProcessFront(small) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            sock.sendall(head("GET", "/short"))
            reader = Reader(sock)
            assert reader.closed()
            assert reader.buffer == b""  # not a head promising bytes that never come


def test_a_head_request_gets_the_head_only() -> None:
    with InProcessFront(small) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            sock.sendall(head("HEAD", "/c.vcf") + head("GET", "/c.vcf"))
            reader = Reader(sock)
            assert reader.response(head_only=True).headers["content-length"] == str(len(BODY))
            assert reader.response().body == BODY  # nothing of a body came between them


def test_small_answers_leave_no_reference_cycles_for_the_gc() -> None:
    """The hand-over callback refers to the connection and the channel; kept by the
    channel it made a cycle per request (18 objects), which cost GC runs."""
    requests = 200
    with InProcessFront(small) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            reader = Reader(sock)
            sock.sendall(head("GET", "/warm-up.vcf"))
            reader.response()
            gc.collect()
            gc.disable()
            try:
                for index in range(requests):
                    sock.sendall(head("GET", f"/c{index}.vcf"))
                    reader.response()
                unreachable = gc.collect()
            finally:
                gc.enable()
    assert unreachable < requests
