"""Connections spread evenly over ``serve --workers N`` (issue 19, bulk PUT with 4 clients
and 2 workers): the board the workers share, and the acceptor that defers to a sibling
holding fewer connections. Two acceptors on two descriptors of one listening socket in
one event loop stand in for two worker processes."""

from __future__ import annotations

import asyncio
import socket
import time

from cms_dav.serving import balance
from cms_dav.serving.balance import BalancedAcceptor, Board


def test_a_worker_is_crowded_while_a_sibling_holds_fewer_connections() -> None:
    board = Board(2)
    first, second = board.seat(0), board.seat(1)
    first.enter()
    assert first.crowded() and not second.crowded()
    second.enter()
    assert not first.crowded() and not second.crowded()


def test_leaving_never_counts_below_zero_and_a_reset_seat_holds_none() -> None:
    board = Board(2)
    seat = board.seat(0)
    seat.leave()
    assert board.count(0) == 0
    seat.enter()
    seat.enter()
    seat.reset()
    assert board.count(0) == 0


def test_the_board_is_shared_with_a_forked_child() -> None:
    import os
    board = Board(2)
    pid = os.fork()
    if pid == 0:
        board.seat(1).enter()
        os._exit(0)
    os.waitpid(pid, 0)
    assert board.count(1) == 1


async def _accept_together(connections: int) -> list[int]:
    board = Board(2)
    listener = socket.create_server(("127.0.0.1", 0))
    twin = listener.dup()
    taken: list[list[socket.socket]] = [[], []]

    def taker(slot: int):  # type: ignore[no-untyped-def]
        async def take(conn: socket.socket) -> None:
            taken[slot].append(conn)  # held open, as a keep-alive client's connection
        return take

    acceptors = [BalancedAcceptor(sock, board.seat(slot), taker(slot))
                 for slot, sock in enumerate((listener, twin))]
    clients = [socket.create_connection(listener.getsockname()) for _ in range(connections)]
    try:
        # every connection is queued before the first worker looks; the second one
        # starts looking a little later (without the board, the first took them all)
        acceptors[0].start()
        await asyncio.sleep(balance.DEFER_SECONDS / 5)
        acceptors[1].start()
        deadline = time.monotonic() + 5
        while sum(map(len, taken)) < connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return sorted(len(each) for each in taken)
    finally:
        for acceptor in acceptors:
            acceptor.close()
        for each in clients + taken[0] + taken[1] + [listener, twin]:
            each.close()


def test_four_connections_queued_together_go_two_to_each_of_two_workers() -> None:
    assert asyncio.run(_accept_together(4)) == [2, 2]


def test_a_crowded_worker_still_takes_a_connection_no_sibling_accepts() -> None:
    async def run() -> float:
        board = Board(2)
        seat = board.seat(0)
        seat.enter()  # slot 1 holds none and never accepts (stuck, or restarting)
        listener = socket.create_server(("127.0.0.1", 0))
        accepted = asyncio.Event()

        async def take(conn: socket.socket) -> None:
            conn.close()
            accepted.set()

        acceptor = BalancedAcceptor(listener, seat, take)
        acceptor.start()
        client = socket.create_connection(listener.getsockname())
        started = time.monotonic()
        try:
            await asyncio.wait_for(accepted.wait(), 5)
            return time.monotonic() - started
        finally:
            acceptor.close()
            client.close()
            listener.close()

    assert asyncio.run(run()) >= balance.DEFER_SECONDS * 0.9
