"""A push service and its browser on 127.0.0.1, for the tests: holds a P-256 key pair
and an auth secret as a browser's push subscription does (RFC 8291 §2), keeps every
message POSTed to its push resource, and decrypts them; answers ``status``."""

from __future__ import annotations

import os
import sqlite3
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from cms_dav.push.vapid import b64url
from tests.support.local_http import LocalEndpoint
from tests.support.server import ServerProcess

NS = "{https://bitfire.at/webdav-push}"
#: a server that delivers pushes at once, to the http push services of these tests
SERVER_CONFIG = """\
[outbox]
poll_interval = 0.05
[push]
allow_insecure_endpoints = true
min_interval = 0.1
"""
T = TypeVar("T")


@dataclass(frozen=True)
class Message:
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService(LocalEndpoint):
    status: int = 201
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))
    got: list[Message] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/push/{id(self)}"

    @property
    def public_key(self) -> str:
        return b64url(self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def register_body(self, expires: str = "") -> str:
        """The push-register body DAVx5 sends for this subscription."""
        return ('<?xml version="1.0" encoding="utf-8"?>'
                '<push-register xmlns="https://bitfire.at/webdav-push" xmlns:D="DAV:">'
                f'<subscription><web-push-subscription><push-resource>{self.url}'
                '</push-resource><content-encoding>aes128gcm</content-encoding>'
                f'<subscription-public-key type="p256dh">{self.public_key}'
                f'</subscription-public-key><auth-secret>{b64url(self.auth_secret)}'
                '</auth-secret></web-push-subscription></subscription>'
                '<trigger><content-update><D:sync-level>1</D:sync-level></content-update>'
                '</trigger>' + (f"<expires>{expires}</expires>" if expires else "")
                + '</push-register>')

    def keep(self, headers: dict[str, str], body: bytes) -> None:
        self.got.append(Message(headers, body))

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self.got)

    def decrypt(self, message: Message) -> ET.Element:
        """The push-message XML of ``message`` (RFC 8291 decryption)."""
        plain = http_ece.decrypt(message.body, private_key=self.key,
                                 auth_secret=self.auth_secret, version="aes128gcm")
        return ET.fromstring(plain)

    def wait_for(self, count: int, seconds: float = 20.0) -> list[Message]:
        """The messages once there are ``count`` (AssertionError after ``seconds``: a
        bound for a hung test, not a measured time)."""
        return wait(lambda: len(self.messages()) >= count, self.messages, seconds)


def vapid_signed(message: Message, server_key: str) -> bool:
    """The message carries a valid RFC 8292 signature by ``server_key``."""
    authorization = message.headers.get("Authorization", "")
    return f"k={server_key}" in authorization and bool(Vapid02.verify(authorization))


def wait(done: Callable[[], bool], result: Callable[[], T], seconds: float = 20.0) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return result()
        time.sleep(0.05)
    raise AssertionError(f"still waiting; have {result()!r}")


def pending(server: ServerProcess) -> int:
    """Push deliveries of ``server`` still waiting to go out."""
    with sqlite3.connect(server.data_dir / "cms-dav.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM outbox_deliveries WHERE "
                                "consumer = 'push' AND state = 'pending'").fetchone()[0])


def settled(server: ServerProcess, service: PushService, count: int) -> list[Message]:
    """The service's messages once ``count`` arrived and nothing more is pending."""
    service.wait_for(count)
    return wait(lambda: pending(server) == 0, service.messages)
