"""Which URLs may be webhook endpoints (checked at registration and before each
delivery) and the signature receivers verify."""

from __future__ import annotations

import pytest

from cms_dav.webhooks import signing
from cms_dav.webhooks.urls import BadEndpoint, check_address, check_url


@pytest.mark.parametrize(("url", "reason"), [
    ("http://example.com/hook", "scheme must be https"),
    ("ftp://example.com/hook", "scheme must be https"),
    ("https://user:pw@example.com/hook", "credentials"),
    ("https:///hook", "no host"),
    ("https://example.com/hook#x", "fragment"),
    ("https://example.com/ho ok", "spaces or control"),
    ("https://example.com:99999/", "not a URL"),
    ("https://example.com/" + "a" * 2048, "longer than"),
])
def test_an_unsafe_url_is_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(BadEndpoint, match=reason):
        check_url(url, allow_insecure=False)


def test_an_https_url_is_accepted() -> None:
    assert check_url("https://hooks.example.com/cms?x=1", allow_insecure=False)


def test_http_is_accepted_only_when_insecure_endpoints_are_allowed() -> None:
    assert check_url("http://127.0.0.1:8080/hook", allow_insecure=True)


def test_a_loopback_host_is_refused_unless_insecure_endpoints_are_allowed() -> None:
    with pytest.raises(BadEndpoint, match="non-public address 127.0.0.1"):
        check_address("127.0.0.1", 443, allow_insecure=False)
    check_address("127.0.0.1", 443, allow_insecure=True)


def test_a_signature_verifies_only_for_its_secret_timestamp_and_body() -> None:
    header = signing.signature("s3cret", 1_700_000_000, b'{"id": 1}')
    assert header.startswith("v1=")
    assert signing.verify("s3cret", "1700000000", b'{"id": 1}', header)
    assert not signing.verify("other", "1700000000", b'{"id": 1}', header)
    assert not signing.verify("s3cret", "1700000001", b'{"id": 1}', header)
    assert not signing.verify("s3cret", "1700000000", b'{"id": 2}', header)
