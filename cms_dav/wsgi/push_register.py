"""WebDAV-Push over HTTP (draft-bitfire-webdav-push): registration and the DAV header.

- ``POST`` of a ``push-register`` body on an address book or calendar (own, shared
  through a mount, or a group's) the caller may read: 201 with ``Location`` (the
  subscription URL, ``/.cms/push/ID``) and ``Expires``; the same push resource again:
  204, the subscription renewed and updated. ``Expires`` is what the client asked for,
  at most ``[push] max_days`` ahead (also the default).
- ``DELETE`` of a subscription URL by the user who registered it: 204; unknown,
  expired or someone else's: 404.
- every answer with a ``DAV`` header also names ``webdav-push``;
- ``Push-Dont-Notify`` (subscription URLs, or ``*`` for all of the caller's) goes into
  the request context, so the writes of this request do not notify them.

The composition root leaves this layer out when ``[push] enabled`` is false. Radicale
checks the login (a ``PROPFIND`` Depth 0 probe, as the fast listing does);
the ACL policy decides whether the caller may read the collection.
"""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

from cms_dav.acl.permissions import split
from cms_dav.acl.policy import Policy
from cms_dav.acl.share_database import ShareDatabase
from cms_dav.config import Settings
from cms_dav.limits.errors import LimitExceeded
from cms_dav.push import subscriptions
from cms_dav.push.xml import BadRegistration, parse_registration
from cms_dav.request_context import ENVIRON_KEY, RequestContext
from cms_dav.store.store import Store
from cms_dav.webhooks.urls import BadEndpoint, check_url
from cms_dav.wsgi.plain_error import plain_error
from cms_dav.wsgi.unmount import basic_login
from cms_dav.wsgi.whole_answer import probe
from cms_dav.wsgi.xml_guard import XmlRefused, check_xml

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: where subscriptions live: ``/.cms/push/<id>``
SUBSCRIPTIONS = "/.cms/push/"
#: a push-register body is small; a larger POST is left to Radicale unread
MAX_BODY = 16384
PUSHABLE = ("VADDRESSBOOK", "VCALENDAR")


def script_prefix(environ: dict[str, Any]) -> str:
    """The path Radicale is mounted at (``X-Script-Name``, as Radicale reads it)."""
    return str(environ.get("HTTP_X_SCRIPT_NAME", environ.get("SCRIPT_NAME", ""))).rstrip("/")


@dataclass(frozen=True)
class Collections:
    """Which stored collection a caller's path names, and whether push applies to it."""

    store: Store
    policy: Policy
    shares: ShareDatabase

    def pushable(self, user: str, path: str) -> str | None:
        """The stored path (no slashes around) of the address book or calendar at
        ``path`` as ``user`` sees it (a share's mount resolved), if ``user`` may read it."""
        parts = split(path)
        if len(parts) != 2:
            return None
        stored = "/".join(parts)
        if parts[0] == user:
            mount = self.shares.received(user, f"/{stored}/")
            if mount is not None and mount.get("PathMapped"):
                stored = "/".join(split(str(mount["PathMapped"])))
        record = self.store.collection(stored)
        if record is None or record.tag not in PUSHABLE:
            return None
        if "r" not in self.policy.authorization(user, f"/{stored}/").lower():
            return None
        return stored


def subscription_ids(header: str) -> tuple[str, ...]:
    """The subscription ids (or ``*``) a ``Push-Dont-Notify`` header names."""
    found = []
    for value in header.split(",")[:100]:
        value = value.strip()
        if value == "*":
            found.append("*")
        elif value:
            path = urlsplit(value).path
            if SUBSCRIPTIONS in path:
                found.append(path.rsplit(SUBSCRIPTIONS, 1)[1].strip("/"))
    return tuple(found)


class PushRegisterMiddleware:
    def __init__(self, app: WSGIApp, settings: Settings, collections: Collections) -> None:
        self.app = app
        self.settings = settings
        self.collections = collections

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        path = unquote(environ.get("PATH_INFO", ""))
        context = environ.get(ENVIRON_KEY)
        quiet = environ.get("HTTP_PUSH_DONT_NOTIFY", "")
        if quiet and isinstance(context, RequestContext):
            context.push_dont_notify = subscription_ids(quiet)
        if path.startswith(SUBSCRIPTIONS):
            if method == "DELETE":
                return self._unregister(environ, start_response, path)
            return plain_error(start_response, "405 Method Not Allowed",
                               "a push subscription can only be deleted",
                               [("Allow", "DELETE")])
        if method == "POST" and "xml" in environ.get("CONTENT_TYPE", "").lower():
            return self._register(environ, start_response, path)
        return self.app(environ, _with_dav_push(start_response))

    # -- registering -------------------------------------------------------------------
    def _register(self, environ: dict[str, Any], start_response: Callable[..., Any],
                  path: str) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return plain_error(start_response, "400 Bad Request", "invalid Content-Length")
        if length > MAX_BODY:  # no push-register: Radicale's POST
            return self.app(environ, _with_dav_push(start_response))
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            check_xml(body, "POST", self.settings.limits)
            root = ET.fromstring(body)  # checked: no DTD, no entities
        except (XmlRefused, LimitExceeded, ValueError, ET.ParseError) as exc:
            return plain_error(start_response, "400 Bad Request",
                               f"malformed or refused XML body: {exc}")
        if root.tag != "{https://bitfire.at/webdav-push}push-register":
            environ["wsgi.input"] = io.BytesIO(body)  # another POST: Radicale's
            return self.app(environ, _with_dav_push(start_response))
        user = basic_login(environ)
        status, headers = probe(self.app, environ, path)
        if not status.startswith("207") or not user:
            return plain_error(start_response, status if not status.startswith("207")
                               else "401 Unauthorized", "log in to register for push",
                               headers)
        collection = self.collections.pushable(user, path)
        if collection is None:
            return plain_error(start_response, "403 Forbidden",
                               "push is offered on address books and calendars you may "
                               "read (POST the push-register to the collection's URL)")
        try:
            registration = parse_registration(root)
            check_url(registration.push_resource, self.settings.push_allow_insecure_endpoints,
                      "[push] allow_insecure_endpoints")
        except (BadRegistration, BadEndpoint) as exc:
            return plain_error(start_response, "400 Bad Request",
                               f"push-register refused: {exc}")
        now = time.time()
        longest = now + self.settings.push_max_days * 86400.0
        if registration.expires is not None and registration.expires <= now:
            return plain_error(start_response, "400 Bad Request",
                               "push-register refused: expires is in the past")
        expires = min(registration.expires or longest, longest)
        try:
            subscription, new = subscriptions.register(
                self.collections.store.engine, user, collection, registration, expires,
                self.settings.push_max_subscriptions)
        except subscriptions.TooManySubscriptions as exc:
            return plain_error(start_response, "507 Insufficient Storage", str(exc))
        prefix = script_prefix(environ)
        start_response("201 Created" if new else "204 No Content", [
            ("Location", f"{prefix}{SUBSCRIPTIONS}{subscription.id}"),
            ("Expires", formatdate(subscription.expires_at, usegmt=True)),
            ("Content-Length", "0")])
        return [b""]

    def _unregister(self, environ: dict[str, Any], start_response: Callable[..., Any],
                    path: str) -> Iterable[bytes]:
        user = basic_login(environ)
        status, headers = (probe(self.app, environ, f"/{user}/") if user
                           else ("401 Unauthorized", []))
        if not status.startswith("207"):
            return plain_error(start_response, status, "log in to unregister", headers)
        subscription = subscriptions.get(self.collections.store.engine,
                                         path[len(SUBSCRIPTIONS):].strip("/"))
        if subscription is None or subscription.user != user:
            return plain_error(start_response, "404 Not Found",
                               "no such push subscription (expired or unregistered)")
        subscriptions.unregister(self.collections.store.engine, subscription.id)
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]


def _with_dav_push(start_response: Callable[..., Any]) -> Callable[..., Any]:
    """``start_response`` adding ``webdav-push`` to a ``DAV`` header (draft §3)."""
    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        headers = [(name, f"{value}, webdav-push" if name.lower() == "dav" else value)
                   for name, value in headers]
        return start_response(status, headers, *exc_info)
    return start
