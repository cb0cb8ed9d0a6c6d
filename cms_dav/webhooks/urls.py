"""Which webhook URLs are accepted, at registration and again before each delivery.

An endpoint is an ``https`` URL with a host on a public address; credentials in the URL
and fragments are refused. ``[webhooks] allow_insecure_endpoints`` also admits ``http``
and loopback/private addresses (tests, closed networks). The host is resolved again
before every attempt, so a name that later points inside the network is refused then.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL = 2048


class BadEndpoint(ValueError):
    """A URL that may not be a webhook endpoint; the message says why."""


#: the setting a refusal names (push endpoints pass their own)
OPTION = "[webhooks] allow_insecure_endpoints"


def check_url(url: str, allow_insecure: bool, option: str = OPTION) -> str:
    """``url`` when it may be registered, else BadEndpoint (no name resolution)."""
    if len(url) > MAX_URL:
        raise BadEndpoint(f"URL longer than {MAX_URL} characters")
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise BadEndpoint("URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadEndpoint(f"not a URL: {exc}") from None
    allowed = ("https", "http") if allow_insecure else ("https",)
    if parts.scheme not in allowed:
        raise BadEndpoint(f"scheme must be {' or '.join(allowed)} (got {parts.scheme!r}; "
                          f"http needs {option})")
    if not parts.hostname:
        raise BadEndpoint("URL has no host")
    if parts.username is not None or parts.password is not None:
        raise BadEndpoint("URL must not contain credentials")
    if parts.fragment:
        raise BadEndpoint("URL must not have a #fragment")
    if port == 0:
        raise BadEndpoint("port 0")
    return url


def check_address(host: str, port: int, allow_insecure: bool, option: str = OPTION) -> None:
    """BadEndpoint unless every address ``host`` resolves to is public (or insecure
    endpoints are allowed); OSError when the name does not resolve."""
    if allow_insecure:
        return
    for *_, sockaddr in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            raise BadEndpoint(f"{host} resolves to non-public address {address} "
                              f"(allowed with {option})")
