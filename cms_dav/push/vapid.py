"""The server's VAPID key pair (RFC 8292) and the push topics derived from it.

The key is a P-256 private key in ``push-vapid.pem`` in the data dir (mode 0600),
made by ``cms-dav init`` or, if missing, by the first process that needs it (of several
workers starting at once one writes it, the others read it). Clients learn
its public half from the ``web-push`` transport property and hand it to their push
service, which then accepts only messages signed with it.

A topic names a collection to clients and push services without revealing its path:
an HMAC of the stored path under the private key, the same for every user who sees
the collection (owner, sharees, group members), stable while the key is kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

KEY_FILE = "push-vapid.pem"
#: lifetime of one VAPID signature (RFC 8292 §2: at most 24 hours)
SIGNATURE_SECONDS = 12 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding (clients send both); ValueError if not."""
    cleaned = text.strip()
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not base64url: {exc}") from None


@dataclass(frozen=True)
class VapidKey:
    private_key: ec.EllipticCurvePrivateKey

    @property
    def public_key(self) -> str:
        """The uncompressed public point, base64url (the ``vapid-public-key`` value)."""
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def topic(self, collection: str) -> str:
        """The topic of the stored path ``collection`` (see the module docstring)."""
        secret = self.private_key.private_numbers().private_value.to_bytes(32, "big")
        digest = hmac.new(secret, b"topic\0" + collection.strip("/").encode(),
                          hashlib.sha256).digest()
        return b64url(digest[:18])

    def authorization(self, endpoint: str, contact: str) -> str:
        """The ``Authorization: vapid t=..., k=...`` value for a message to ``endpoint``."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        claims = {"aud": audience, "sub": contact,
                  "exp": int(time.time()) + SIGNATURE_SECONDS}
        signer = Vapid02(private_key=self.private_key, conf={"no-strict": True})
        return str(signer.sign(claims)["Authorization"])


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def create(data_dir: Path) -> bool:
    """Write a new key unless one exists; True when this call wrote it. Written whole
    to a private temporary file, then linked in place: a reader never sees half a key,
    and of two processes racing exactly one link succeeds."""
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    descriptor, temporary = tempfile.mkstemp(dir=data_dir, prefix=".push-vapid-")
    try:
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp makes it 0600
            handle.write(pem)
        os.link(temporary, key_path(data_dir))
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def load(data_dir: Path) -> VapidKey:
    """The key of ``data_dir``, created if missing."""
    path = key_path(data_dir)
    if not path.exists():
        create(data_dir)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} does not hold an EC private key")
    return VapidKey(key)
