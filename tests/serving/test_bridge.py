"""The WSGI bridge on its own: PEP 3333 duties that no HTTP test can observe."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Iterator

from cms_dav.serving.bridge import End, Failed, ResponseChannel, Start, run_app


class Recording:
    """A response iterable that records whether close() was called."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            yield b"x" * 100_000

    def close(self) -> None:
        self.closed.set()


def app_returning(body: Recording) -> Callable[..., Recording]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Recording:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body
    return app


def test_close_is_called_on_the_iterable_when_the_client_goes_away() -> None:
    body = Recording(chunks=1000)  # far more than the channel holds

    async def main() -> None:
        loop = asyncio.get_running_loop()
        channel = ResponseChannel(loop, capacity=200_000)
        work = loop.run_in_executor(None, run_app, app_returning(body), {}, channel)
        assert isinstance(await channel.get(), Start)
        assert isinstance(await channel.get(), bytes)
        channel.abandon()  # the connection died: the worker must not wait forever
        await asyncio.wait_for(work, 10)

    asyncio.run(main())
    assert body.closed.is_set()


def test_close_is_called_on_the_iterable_after_a_full_answer() -> None:
    body = Recording(chunks=3)

    async def main() -> list[object]:
        loop = asyncio.get_running_loop()
        channel = ResponseChannel(loop, capacity=1_000_000)
        work = loop.run_in_executor(None, run_app, app_returning(body), {}, channel)
        items: list[object] = []
        while not items or not isinstance(items[-1], End):
            items.append(await channel.get())
            if isinstance(items[-1], bytes):
                channel.sent(len(items[-1]))
        await work
        return items

    items = asyncio.run(main())
    assert isinstance(items[0], Start) and items[0].status == 200
    assert sum(len(item) for item in items if isinstance(item, bytes)) == 300_000
    assert body.closed.is_set()


def test_an_app_that_raises_before_answering_is_reported_as_failed() -> None:
    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raise RuntimeError("boom")

    async def main() -> object:
        loop = asyncio.get_running_loop()
        channel = ResponseChannel(loop, capacity=1000)
        await loop.run_in_executor(None, run_app, broken, {}, channel)
        return await channel.get()

    item = asyncio.run(main())
    assert isinstance(item, Failed) and not item.started


def test_a_small_answer_is_handed_over_whole_in_one_wake_up() -> None:
    """Head, body and end of a small answer reach the loop together (one write of them)."""
    def small(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "5")])
        return [b"he", b"llo"]

    async def main() -> tuple[object, list[object], int]:
        loop = asyncio.get_running_loop()
        channel = ResponseChannel(loop, capacity=1000)
        wake_ups = 0

        def counted() -> None:
            nonlocal wake_ups
            wake_ups += 1

        assert channel.when_handed_over(counted)  # the loop is now waiting
        await loop.run_in_executor(None, run_app, small, {}, channel)
        await asyncio.sleep(0)  # the wake-up callback runs
        head = await channel.get()
        return head, channel.take_ready(), wake_ups

    head, rest, wake_ups = asyncio.run(main())
    assert isinstance(head, Start) and head.status == 200
    assert rest == [b"hello", End()]
    assert wake_ups == 1
