"""The XML of WebDAV-Push (namespace ``https://bitfire.at/webdav-push``), with the
element names DAVx5 (dav4jvm ``WebDAVPush``) uses:

- collection properties: ``transports`` (one ``web-push`` transport carrying the
  ``vapid-public-key type="p256dh"``), ``topic`` and ``supported-triggers``
  (``content-update`` with ``DAV:sync-level`` 1, ``property-update`` with
  ``DAV:depth`` 0);
- the registration body ``push-register`` → ``subscription`` →
  ``web-push-subscription`` with ``push-resource``, ``subscription-public-key
  type="p256dh"`` (the later draft's ``client-public-key`` is read too),
  ``auth-secret`` and an optional ``content-encoding`` (only ``aes128gcm``), then
  ``trigger`` and an optional ``expires`` (IMF-fixdate, RFC 9110 §5.6.7);
- the message ``push-message`` with the ``topic`` and a ``content-update`` holding the
  collection's ``DAV:sync-token`` (RFC 6578).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from cms_dav.push import NS
from cms_dav.push.vapid import b64url_decode

DAV = "DAV:"
#: client keys of RFC 8291: an uncompressed P-256 point and a 16-byte auth secret
PUBLIC_KEY_BYTES, AUTH_SECRET_BYTES = 65, 16
MAX_RESOURCE = 2048


def tag(name: str, namespace: str = NS) -> str:
    return f"{{{namespace}}}{name}"


#: the property names this server answers, as Clark names
PROPERTIES = tuple(tag(name) for name in ("transports", "topic", "supported-triggers"))


class BadRegistration(ValueError):
    """A ``push-register`` body this server does not accept; the message says why."""


@dataclass(frozen=True)
class Registration:
    push_resource: str
    public_key: str
    auth_secret: str
    #: seconds since the epoch the client asked for; None = no ``expires``
    expires: float | None


def _text(parent: ET.Element, *names: str) -> str:
    for name in names:
        found = parent.find(tag(name))
        if found is not None and (found.text or "").strip():
            return (found.text or "").strip()
    return ""


def _key(text: str, size: int, what: str) -> str:
    try:
        raw = b64url_decode(text)
    except ValueError:
        raise BadRegistration(f"{what} is not base64url") from None
    if len(raw) != size or (size == PUBLIC_KEY_BYTES and raw[0] != 4):
        raise BadRegistration(f"{what} must be {size} bytes"
                              + (" (an uncompressed P-256 point)"
                                 if size == PUBLIC_KEY_BYTES else ""))
    return text.strip().rstrip("=")


def parse_registration(root: ET.Element) -> Registration:
    """The subscription of a ``push-register`` body (BadRegistration says what is wrong)."""
    if root.tag != tag("push-register"):
        raise BadRegistration("the body is not a push-register element")
    subscription = root.find(f"{tag('subscription')}/{tag('web-push-subscription')}")
    if subscription is None:
        raise BadRegistration("push-register needs subscription/web-push-subscription "
                              "(the only transport offered is web-push)")
    resource = _text(subscription, "push-resource")
    if not resource or len(resource) > MAX_RESOURCE:
        raise BadRegistration(f"push-resource must be a URL of at most {MAX_RESOURCE} "
                              "characters")
    encoding = _text(subscription, "content-encoding")
    if encoding and encoding.lower() != "aes128gcm":
        raise BadRegistration("content-encoding must be aes128gcm (RFC 8291)")
    public_key = _text(subscription, "subscription-public-key", "client-public-key")
    secret = _text(subscription, "auth-secret")
    if not public_key or not secret:
        raise BadRegistration("messages are encrypted (RFC 8291): subscription-public-key "
                              "and auth-secret are required")
    trigger = root.find(tag("trigger"))
    if trigger is None or not len(trigger):
        raise BadRegistration("push-register needs a trigger (content-update)")
    expires_text = _text(root, "expires")
    expires = None
    if expires_text:
        try:
            expires = parsedate_to_datetime(expires_text).timestamp()
        except (TypeError, ValueError):
            raise BadRegistration("expires must be an HTTP date (IMF-fixdate)") from None
    return Registration(resource, _key(public_key, PUBLIC_KEY_BYTES, "subscription-public-key"),
                        _key(secret, AUTH_SECRET_BYTES, "auth-secret"), expires)


def property_value(name: str, vapid_public_key: str, topic: str) -> ET.Element:
    """The element of property ``name`` (one of :data:`PROPERTIES`) of a collection."""
    element = ET.Element(name)
    if name == tag("transports"):
        key = ET.SubElement(ET.SubElement(element, tag("web-push")), tag("vapid-public-key"),
                            {"type": "p256dh"})
        key.text = vapid_public_key
    elif name == tag("topic"):
        element.text = topic
    else:
        content = ET.SubElement(element, tag("content-update"))
        ET.SubElement(content, tag("sync-level", DAV)).text = "1"
        prop = ET.SubElement(element, tag("property-update"))
        ET.SubElement(prop, tag("depth", DAV)).text = "0"
    return element


def push_message(topic: str, sync_token: str) -> bytes:
    """The ``push-message`` of a content update (the payload, before encryption);
    without ``topic``, about the account as a whole (no one collection)."""
    root = ET.Element(tag("push-message"))
    if topic:
        ET.SubElement(root, tag("topic")).text = topic
    update = ET.SubElement(root, tag("content-update"))
    if sync_token:
        ET.SubElement(update, tag("sync-token", DAV)).text = sync_token
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
