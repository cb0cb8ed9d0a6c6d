"""An answer's pieces written to the socket in one ``writev`` (issue 19 target 6).

Each chunk of a streamed answer is three pieces: its size line (a few bytes), the data
(~330 KB of a multiget) and a CRLF. Written one by one, each is a ``send``, and on a
socket without Nagle's delay (asyncio's default) each is a TCP segment of its own, so
a multiget of all at 100k cards cost ~1,200 sends where ~400 carry the data (round
nine's strace). Python 3.11's ``writelines`` joins its pieces first, a copy of the
data; ``os.writev`` hands them to the kernel as they are, in one system call.

Only while the transport holds nothing (its bytes would otherwise be overtaken) and
only on a plain TCP transport (a TLS one must encrypt them); what the socket does not
take at once is handed to the transport, in order, which sends it when it can.
"""

from __future__ import annotations

import asyncio
import os
from typing import Sequence

#: the most pieces one ``writev`` takes (POSIX IOV_MAX; Linux 1024)
IOV_MAX = int(os.sysconf("SC_IOV_MAX")) if hasattr(os, "sysconf") else 16


def gather_fd(transport: asyncio.BaseTransport) -> int | None:
    """The socket's descriptor when pieces may be written to it directly: a plain TCP
    transport (not TLS), not closing; else None."""
    if transport.get_extra_info("sslcontext") is not None or transport.is_closing():
        return None
    sock = transport.get_extra_info("socket")
    return None if sock is None else int(sock.fileno())


def write_gathered(transport: asyncio.WriteTransport, fd: int, pieces: Sequence[bytes]
                   ) -> None:
    """Write ``pieces`` in order: what the socket ``fd`` takes now in ``writev`` calls
    of at most :data:`IOV_MAX` pieces, the rest through ``transport``."""
    if transport.get_write_buffer_size() or transport.is_closing():
        _hand_over(transport, pieces, 0, 0)
        return
    start = 0
    while start < len(pieces):
        batch = pieces[start:start + IOV_MAX]
        try:
            sent = os.writev(fd, batch)
        except OSError:  # would block, interrupted, or an error the transport meets
            sent = 0     # on its own write (and closes): all of it to the transport
        for piece in batch:
            if sent < len(piece):
                _hand_over(transport, pieces, start, sent)
                return
            sent -= len(piece)
            start += 1


def _hand_over(transport: asyncio.WriteTransport, pieces: Sequence[bytes], start: int,
               sent: int) -> None:
    """``pieces`` from ``start`` on, the first of them less its ``sent`` bytes, to the
    transport."""
    for index in range(start, len(pieces)):
        piece = pieces[index]
        if index == start and sent:
            transport.write(memoryview(piece)[sent:])
        elif piece:
            transport.write(piece)
