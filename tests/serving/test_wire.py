"""A connection's wire: bytes kept until read, reading paused while many wait, and each
wait's own deadline kept by one timer per connection (not one per wait)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cms_dav.serving.wire import PAUSE_BYTES, Wire


class Transport(asyncio.Transport):
    """A transport that records what the wire asks of it."""

    def __init__(self) -> None:
        super().__init__()
        self.reading_paused = False
        self.closing = False

    def pause_reading(self) -> None:
        self.reading_paused = True

    def resume_reading(self) -> None:
        self.reading_paused = False

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True  # and no connection_lost: as TLS before the close_notify

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


async def _idle(wire: Wire) -> None:
    pass


def opened() -> tuple[Wire, Transport]:
    wire = Wire(_idle)
    transport = Transport()
    wire.connection_made(transport)
    return wire, transport


async def read_arriving(wire: Wire, deadline: float, data: bytes) -> bytes | None:
    """Read with ``deadline`` while ``data`` arrives (after the read began waiting)."""
    reading = asyncio.ensure_future(wire.read(deadline))
    await asyncio.sleep(0)
    wire.data_received(data)
    return await reading


def test_many_keep_alive_waits_arm_one_timer() -> None:
    async def main() -> int:
        loop = asyncio.get_running_loop()
        armed = 0
        call_at = loop.call_at

        def counted(when: float, callback: Any, *args: Any, **kwargs: Any) -> Any:
            nonlocal armed
            armed += 1
            return call_at(when, callback, *args, **kwargs)

        loop.call_at = counted  # type: ignore[method-assign]
        wire, _ = opened()
        for _ in range(50):
            assert await read_arriving(wire, loop.time() + 15, b"GET") == b"GET"
        return armed

    assert asyncio.run(main()) == 1


def test_a_wait_with_an_earlier_deadline_ends_at_its_own() -> None:
    async def main() -> bytes | None:
        loop = asyncio.get_running_loop()
        wire, _ = opened()
        await read_arriving(wire, loop.time() + 60, b"first")
        return await asyncio.wait_for(wire.read(loop.time() + 0.05), timeout=10)

    assert asyncio.run(main()) is None


def test_a_wait_with_a_later_deadline_outlives_an_earlier_timer() -> None:
    async def main() -> bytes | None:
        loop = asyncio.get_running_loop()
        wire, _ = opened()
        await read_arriving(wire, loop.time() + 0.05, b"first")  # arms the timer at 0.05
        loop.call_later(0.3, wire.data_received, b"second")
        return await wire.read(loop.time() + 30)

    assert asyncio.run(main()) == b"second"


def test_reading_pauses_while_many_bytes_wait_and_resumes_once_read() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        wire, transport = opened()
        for _ in range(3):
            wire.data_received(b"x" * (PAUSE_BYTES // 2))
        assert transport.reading_paused
        assert len(await wire.read(loop.time() + 1) or b"") == 3 * (PAUSE_BYTES // 2)
        assert not transport.reading_paused

    asyncio.run(main())


def test_end_of_input_reads_as_empty_bytes_after_what_came_before() -> None:
    async def main() -> tuple[bytes | None, bytes | None]:
        loop = asyncio.get_running_loop()
        wire, _ = opened()
        wire.data_received(b"last")
        wire.eof_received()
        return await wire.read(loop.time() + 1), await wire.read(loop.time() + 1)

    assert asyncio.run(main()) == (b"last", b"")


def test_drain_waits_for_the_client_to_take_bytes_until_its_deadline() -> None:
    async def main() -> tuple[bool, bool]:
        loop = asyncio.get_running_loop()
        wire, _ = opened()
        wire.pause_writing()
        loop.call_later(0.05, wire.resume_writing)
        taken = await wire.drain(loop.time() + 10)
        wire.pause_writing()
        return taken, await wire.drain(loop.time() + 0.05)

    assert asyncio.run(main()) == (True, False)


def test_drain_raises_once_the_connection_is_lost() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        wire, _ = opened()
        wire.pause_writing()
        loop.call_soon(wire.connection_lost, None)
        await wire.drain(loop.time() + 10)

    with pytest.raises(ConnectionResetError):
        asyncio.run(main())


def test_closing_ends_the_pending_read_as_if_the_client_closed() -> None:
    """Over TLS the transport reports the loss only after the client's close_notify; a
    graceful stop closing an idle connection must not wait for that."""
    async def main() -> bytes | None:
        loop = asyncio.get_running_loop()
        wire, _ = opened()
        reading = asyncio.ensure_future(wire.read(loop.time() + 60))
        await asyncio.sleep(0)
        wire.close()
        return await asyncio.wait_for(reading, timeout=10)

    assert asyncio.run(main()) == b""
