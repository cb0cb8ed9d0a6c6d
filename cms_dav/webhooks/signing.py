"""The signature of a delivery: ``X-CMS-Webhook-Signature: v1=<hex>`` where hex is
HMAC-SHA256 (RFC 2104, FIPS 180-4) with the endpoint's secret over
``f"{timestamp}.{raw body}"``; the timestamp (unix seconds) is sent as
``X-CMS-Webhook-Timestamp`` so a receiver can refuse replays of old deliveries."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ID_HEADER = "X-CMS-Webhook-Id"
EVENT_HEADER = "X-CMS-Webhook-Event"
TIMESTAMP_HEADER = "X-CMS-Webhook-Timestamp"
SIGNATURE_HEADER = "X-CMS-Webhook-Signature"
SCHEME = "v1"


def new_secret() -> str:
    """A fresh endpoint secret (256 random bits)."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """Whether ``header`` signs ``body`` at ``timestamp`` (constant-time compare)."""
    if not timestamp.isdigit():
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), header)
