"""A webhook receiver on 127.0.0.1 in a thread (:class:`LocalEndpoint`): keeps every
request it got and answers ``status`` (after ``hold`` is set, when given)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from cms_dav.webhooks import signing
from tests.support.local_http import LocalEndpoint


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    def signed_by(self, secret: str) -> bool:
        return signing.verify(secret, self.headers.get(signing.TIMESTAMP_HEADER, ""),
                              self.body, self.headers.get(signing.SIGNATURE_HEADER, ""))


@dataclass
class Receiver(LocalEndpoint):
    got: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def keep(self, headers: dict[str, str], body: bytes) -> None:
        self.got.append(Received(headers, body))

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [each.event for each in self.got]

    def wait_for(self, done: Callable[[list[dict[str, Any]]], bool],
                 seconds: float = 20.0) -> list[dict[str, Any]]:
        """The events once ``done`` says they are complete (AssertionError after
        ``seconds``: a bound for a hung test, not a measured time)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = self.events()
            if done(got):
                return got
            time.sleep(0.05)
        raise AssertionError(f"receiver still waiting; got {self.events()}")
