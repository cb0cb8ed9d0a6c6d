"""A request body held until it is complete: in memory while small, on disk when large.

The front reads the whole body before the application runs (so a slow upload holds no
worker); this keeps what has arrived. A body goes to a temporary file once it passes
``spool_bytes`` or once all bodies in memory together would pass the server-wide
``MemoryBudget``, so many concurrent uploads cannot exhaust the server's memory.
"""

from __future__ import annotations

import io
import tempfile
from typing import IO


class MemoryBudget:
    """Bytes of request bodies the server keeps in memory at once (event loop thread only)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> bool:
        if self.used + size > self.limit:
            return False
        self.used += size
        return True

    def give_back(self, size: int) -> None:
        self.used -= size


class BodyBuffer:
    """The body of one request, written as it arrives, read by the WSGI app as wsgi.input."""

    def __init__(self, spool_bytes: int, budget: MemoryBudget) -> None:
        self._spool_bytes = spool_bytes
        self._budget = budget
        self._file: IO[bytes] = io.BytesIO()
        self._in_memory = True
        self._held = 0  # bytes taken from the budget
        self.size = 0

    def write(self, data: bytes) -> None:
        if self._in_memory and (self.size + len(data) > self._spool_bytes
                                or not self._budget.take(len(data))):
            self._to_disk()
        elif self._in_memory:
            self._held += len(data)
        self._file.write(data)
        self.size += len(data)

    def _to_disk(self) -> None:
        spooled = tempfile.TemporaryFile(prefix="cms-dav-body-")
        assert isinstance(self._file, io.BytesIO)
        spooled.write(self._file.getbuffer())
        self._file = spooled
        self._in_memory = False
        self._release()

    def _release(self) -> None:
        self._budget.give_back(self._held)
        self._held = 0

    def stream(self) -> IO[bytes]:
        """The body from its start, for ``wsgi.input``."""
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        self._release()
        self._file.close()
