"""Who the client is: the one place that decides a request's client address (issue 17,
item 3). The request scope stores the answer in the request context, and the login
throttle, the audit trail, the request log and the metrics gate all read it from there.

Rules:

* The peer (``REMOTE_ADDR``) is the client unless it is a **trusted proxy**
  (``[server] trusted_proxies``).
* From a trusted proxy, the hops of the one header ``[server] proxy_header`` names,
  ``X-Forwarded-For`` (the default) or ``Forwarded`` (RFC 7239 §4, its ``for=``
  parameters), are read right to left: the client is the right-most hop that is not a
  trusted proxy (a client can write anything on the left of the header, only the hops
  our own proxies appended can be believed). The other header is never read: a proxy
  that sets one usually passes the other through as the client sent it. A hop that is
  not an IP address (``unknown``, an obfuscated identifier, RFC 7239 §6.2-6.3, or
  garbage) ends the walk: the client is then that text, and it is not *lockable* (no
  lockout by a shared, unknowable name).
* A peer that is **not** trusted but sends a forwarding header from a loopback or
  private address is a reverse proxy nobody configured: every client behind it would
  share its address, so the address is marked not lockable (the throttle counts and
  delays, but never locks a user out "from" it; account lockouts still apply) and one
  warning per peer says to set ``trusted_proxies``. From a public peer the header is
  simply ignored (a client cannot escape its own lockout by sending one).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

X_FORWARDED_FOR, FORWARDED = "x-forwarded-for", "forwarded"

#: where a reverse proxy usually sits (RFC 1918, RFC 6598 shared space, RFC 4193 ULA);
#: with loopback and link-local, a peer here that forwards is taken for a proxy
PRIVATE = tuple(ipaddress.ip_network(each) for each in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))


@dataclass(frozen=True)
class ClientAddress:
    #: the client as decided here (an IP address, or a proxy's text for an unknown hop)
    address: str
    #: the TCP peer (REMOTE_ADDR)
    peer: str
    #: the address was taken from a trusted proxy's header
    forwarded: bool = False
    #: failed logins from this address may lock a user out of it (see module doc)
    lockable: bool = True
    #: the peer sent a forwarding header without being a trusted proxy
    untrusted_header: bool = False


class TrustedProxies:
    """``[server] trusted_proxies`` as networks; decides :class:`ClientAddress`."""

    def __init__(self, networks: Iterable[str], header: str = X_FORWARDED_FOR) -> None:
        self.networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(each, strict=False) for each in networks)
        if header not in (X_FORWARDED_FOR, FORWARDED):
            raise ValueError(f"proxy header {header!r}: not {X_FORWARDED_FOR} or {FORWARDED}")
        self.header = header

    def trusts(self, address: str) -> bool:
        ip = parse_ip(address)
        return ip is not None and any(ip in network for network in self.networks
                                      if network.version == ip.version)

    def client_of(self, environ: Mapping[str, Any]) -> ClientAddress:
        peer = str(environ.get("REMOTE_ADDR") or "")
        sent = {name: environ.get(key) for name, key in (
            (X_FORWARDED_FOR, "HTTP_X_FORWARDED_FOR"), (FORWARDED, "HTTP_FORWARDED"))}
        if all(value is None for value in sent.values()):
            return ClientAddress(address=peer, peer=peer)
        if not self.trusts(peer):
            ip = parse_ip(peer)
            shared = ip is not None and (ip.is_loopback or ip.is_link_local or any(
                ip in network for network in PRIVATE if network.version == ip.version))
            return ClientAddress(address=peer, peer=peer, lockable=not shared,
                                 untrusted_header=True)
        value = sent[self.header]
        if value is None:  # our proxy did not set the header we read
            return ClientAddress(address=peer, peer=peer)
        header = (forwarded_for if self.header == FORWARDED else x_forwarded_for)(str(value))
        for hop in reversed(header):
            ip = parse_ip(hop)
            if ip is None:
                return ClientAddress(address=hop[:64] or "unknown", peer=peer,
                                     forwarded=True, lockable=False)
            if not self.trusts(hop):
                return ClientAddress(address=str(ip), peer=peer, forwarded=True)
        # every hop is one of our proxies: the left-most is the client
        return ClientAddress(address=header[0] if header else peer, peer=peer,
                             forwarded=bool(header))


def parse_ip(text: str) -> IPAddress | None:
    """``text`` as an IP address (IPv4-mapped IPv6 as IPv4), or None."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def x_forwarded_for(value: str) -> list[str]:
    """The hops of ``X-Forwarded-For``, left (client) to right (last proxy)."""
    return [_node(part.strip()) for part in value.split(",") if part.strip()]


def forwarded_for(value: str) -> list[str]:
    """The ``for=`` nodes of ``Forwarded`` (RFC 7239 §4), left to right; an element
    without ``for=`` is an unknown hop."""
    hops = []
    for element in _split(value, ","):
        node = "unknown"
        for pair in _split(element, ";"):
            name, _, raw = pair.partition("=")
            if name.strip().lower() == "for":
                node = _node(raw.strip().strip('"'))
        hops.append(node)
    return hops


def _node(node: str) -> str:
    """An RFC 7239 §6 node without its port: ``[2001:db8::1]:4711`` → ``2001:db8::1``,
    ``192.0.2.1:80`` → ``192.0.2.1``; other text is kept as it is."""
    if node.startswith("["):
        return node[1:node.find("]")] if "]" in node else node
    if node.count(":") == 1:
        return node.split(":", 1)[0]
    return node


def _split(value: str, separator: str) -> list[str]:
    """``value`` split at ``separator`` outside quoted strings (RFC 9110 §5.6.4)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]
