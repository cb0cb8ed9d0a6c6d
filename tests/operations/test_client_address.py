"""Issue 17 item 3: one decision of the client address (cms_dav.wsgi.client_address)."""

from __future__ import annotations

from cms_dav.wsgi.client_address import TrustedProxies, forwarded_for

NETWORKS = ("10.0.0.0/8", "2001:db8::/32")
PROXIES = TrustedProxies(NETWORKS)
RFC7239_PROXIES = TrustedProxies(NETWORKS, "forwarded")


def client(peer: str, proxies: TrustedProxies = PROXIES, **headers: str) -> tuple[str, bool]:
    environ = {"REMOTE_ADDR": peer, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    decided = proxies.client_of(environ)
    return decided.address, decided.lockable


def test_without_a_header_the_peer_is_the_client() -> None:
    assert client("198.51.100.7") == ("198.51.100.7", True)


def test_a_trusted_proxy_names_the_right_most_untrusted_hop() -> None:
    # the client forged "1.2.3.4" on the left; our two proxies appended the rest
    assert client("10.0.0.1", x_forwarded_for="1.2.3.4, 203.0.113.9, 10.0.0.2") == \
        ("203.0.113.9", True)


def test_a_header_from_an_untrusted_public_peer_is_ignored() -> None:
    assert client("198.51.100.7", x_forwarded_for="203.0.113.9") == ("198.51.100.7", True)


def test_a_header_from_an_untrusted_private_peer_makes_its_address_unlockable() -> None:
    assert client("192.168.1.5", x_forwarded_for="203.0.113.9") == ("192.168.1.5", False)
    assert client("127.0.0.1", RFC7239_PROXIES, forwarded="for=203.0.113.9") == \
        ("127.0.0.1", False)


def test_forwarded_is_read_with_quoted_ipv6_and_ports() -> None:
    assert forwarded_for('for=192.0.2.43:4711, for="[2001:db8:cafe::17]:80";proto=https,'
                         ' by=10.0.0.1') == ["192.0.2.43", "2001:db8:cafe::17", "unknown"]
    assert client("10.0.0.1", RFC7239_PROXIES,
                  forwarded='for="[2a00:1450::17]:443";proto=https') == ("2a00:1450::17", True)


def test_only_the_configured_header_is_read_so_a_passed_through_one_cannot_spoof() -> None:
    # the proxy appends to X-Forwarded-For and passes the client's own Forwarded through
    assert client("10.0.0.1", forwarded="for=203.0.113.1",
                  x_forwarded_for="203.0.113.2") == ("203.0.113.2", True)
    assert client("10.0.0.1", RFC7239_PROXIES, forwarded="for=203.0.113.1",
                  x_forwarded_for="203.0.113.2") == ("203.0.113.1", True)


def test_a_trusted_proxy_without_the_configured_header_is_the_client() -> None:
    assert client("10.0.0.1", forwarded="for=203.0.113.1") == ("10.0.0.1", True)


def test_an_unknown_or_obfuscated_hop_is_the_client_but_never_lockable() -> None:
    assert client("10.0.0.1", RFC7239_PROXIES, forwarded="for=unknown") == ("unknown", False)
    assert client("10.0.0.1", RFC7239_PROXIES, forwarded="for=_hidden") == ("_hidden", False)
    assert client("10.0.0.1", x_forwarded_for="garbage") == ("garbage", False)


def test_when_every_hop_is_a_trusted_proxy_the_left_most_is_the_client() -> None:
    assert client("10.0.0.1", x_forwarded_for="10.9.9.9, 10.0.0.2") == ("10.9.9.9", True)


def test_ipv4_mapped_peers_are_matched_as_ipv4() -> None:
    assert client("::ffff:10.0.0.1", x_forwarded_for="203.0.113.9") == ("203.0.113.9", True)
