"""GET of one item in the caller's own collection, answered with one SELECT.

Radicale spends a GET discovering the collection, asking the rights backend, building
an item object and walking its storage lock; the store answers the same question with
one row. This layer, just outside the generated calendars and the fast listing, answers a
plain ``GET /<login>/<collection>/<item>`` itself when it can say exactly what Radicale
would (``radicale.app.get.ApplicationPartGet.do_GET``), and hands everything else to
Radicale untouched:

- the login must be vouched for by the login cache (:meth:`Authenticator.known`),
  which counts nothing and sleeps nowhere; any other login (first use, wrong password,
  throttled) goes to Radicale, which verifies it and fills the cache;
- the ACL policy must grant read on the collection (the same question Radicale's
  rights plugin asks); for the caller's own home it answers from the path and the
  login alone (:meth:`Policy.reads_own`), so the GET runs one SQL statement;
- the collection must be a real address book or calendar of the caller's own home
  (mounts and shares are Radicale's: it rewrites their paths), not one the server
  generates (birthdays, segments: cms_dav.wsgi.generated_calendars, inside this
  layer, refreshes those first), and the item must exist; a missing one is Radicale's
  404;
- no query string (``?view=freebusy``), no ``[headers]``/``[encoding]`` set-up and
  no base prefix behind a proxy, which would change the answer.

The answer is Radicale's byte for byte (tests/speed/test_fast_get_differential.py):
``Content-Type`` from the item's component with ``; charset=utf-8``, ``Last-Modified``,
``ETag``, gzip when the client accepts it (RFC 9110 §8.4), ``Content-Length``. A
database failure leaves the request to Radicale.
"""

from __future__ import annotations

import logging
import zlib
from email.utils import formatdate
from typing import Any, Callable, Iterable

from radicale import pathutils, xmlutils

from cms_dav import request_context
from cms_dav.acl.policy import Policy
from cms_dav.auth import Authenticator
from cms_dav.config import Settings
from cms_dav.store import listing
from cms_dav.store.records import GENERATED_MARKER
from cms_dav.store.store import Store
from cms_dav.wsgi.unmount import basic_credentials

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes]

#: collections whose items Radicale serves with OBJECT_MIMETYPES
_ITEM_COLLECTIONS = ("VADDRESSBOOK", "VCALENDAR")


class FastGetMiddleware:
    """``store``, ``policy``, ``authenticator``: the App's, handed over in App.wrap."""

    def __init__(self, app: WSGIApp, settings: Settings, store: Store, policy: Policy,
                 authenticator: Authenticator) -> None:
        self.app = app
        self.store = store
        self.policy = policy
        self.authenticator = authenticator
        extra = settings.extra_radicale
        # options that change Radicale's answer: leave those set-ups to Radicale
        self.enabled = settings.fast_listing and not (
            "encoding" in extra or "headers" in extra
            or extra.get("server", {}).get("script_name"))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if not self.enabled or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        try:
            answer = self._answer(environ)
        except Exception:  # noqa: BLE001 - Radicale answers whatever we cannot
            logger.warning("fast GET failed, Radicale answers instead", exc_info=True)
            answer = None
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _answer(self, environ: dict[str, Any]) -> Answer | None:
        if environ.get("QUERY_STRING") or environ.get("SCRIPT_NAME") \
                or environ.get("HTTP_X_SCRIPT_NAME"):
            return None
        login, password = basic_credentials(environ)
        if not login:
            return None
        path = pathutils.sanitize_path(environ.get("PATH_INFO", ""))
        if path.endswith("/"):
            return None  # a collection: Radicale's whole-collection export
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != login:
            return None
        collection_path, href = "/".join(parts[:2]), parts[2]
        if not self.authenticator.known(login, password):
            return None
        row = listing.item_at(self.store, collection_path, href)
        if row is None or row.tag not in _ITEM_COLLECTIONS or \
                row.name not in xmlutils.OBJECT_MIMETYPES or GENERATED_MARKER in row.props:
            return None
        collection = f"/{collection_path}/"
        # the owner's own collection is the policy's answer from path and login alone;
        # anything else (never reached today: the path starts with the login) asks it
        if not self.policy.reads_items(login, collection):
            return None
        request = request_context.current()
        if request is not None:
            request.user = login  # as the auth plugin records it (request log)
        body = _body(row.text, environ)
        return "200 OK", _headers(row, environ) + [("Content-Length", str(len(body)))], body


def _gzip_accepted(environ: dict[str, Any]) -> bool:
    return "gzip" in [part.strip() for part in environ.get("HTTP_ACCEPT_ENCODING", "").split(",")]


def _body(text: bytes, environ: dict[str, Any]) -> bytes:
    """The stored text, gzipped as Radicale does when the client accepts it."""
    if not _gzip_accepted(environ):
        return bytes(text)
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return compressor.compress(text) + compressor.flush()


def _headers(row: Any, environ: dict[str, Any]) -> list[tuple[str, str]]:
    """Radicale's headers but the length, in its order (do_GET's dict, then its
    response helper's)."""
    headers = [("Content-Type", f"{xmlutils.OBJECT_MIMETYPES[row.name]}; charset=utf-8"),
               ("Last-Modified", formatdate(row.modified_at, usegmt=True)),
               ("ETag", row.etag)]
    if _gzip_accepted(environ):
        headers.append(("Content-Encoding", "gzip"))
    return headers
