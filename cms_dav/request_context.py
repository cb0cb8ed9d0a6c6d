"""The facts of one HTTP request that several layers share: one :class:`RequestContext`.

Who creates it: only :class:`cms_dav.wsgi.request_scope.RequestScopeMiddleware`, the
outermost WSGI layer, one per request.

How it is found, in exactly two documented ways:

* WSGI layers read ``environ[ENVIRON_KEY]`` (:func:`of`), and so does the JSON API
  (``cms_dav.api``: a2wsgi keeps the WSGI environ in the ASGI scope, while the context
  variable does not reach its threads);
* code that Radicale calls without the environ (the plugins in
  ``plugins/cms_dav_plugins``, and the request-bound checks of ``cms_dav.limits`` that
  are patched into Radicale's and dateutil's loops) calls :func:`current`, backed by a
  :class:`contextvars.ContextVar` that the scope layer sets while the application runs
  and again around every step of the response body until it is closed (a streamed body
  runs request code after the application returned).

Who may read it: the doors (``cms_dav.wsgi``, the plugins, ``cms_dav.api``) and
``cms_dav.limits`` as request-bound checks (the plugins include
``cms_dav_plugins.upload_watch``, which watches Radicale's parse of a PUT body).
``cms_dav.store`` and ``cms_dav.acl`` never do: they serve the CLI and tests too, and
get what they need (a :class:`~cms_dav.memo.Memo`, an actor) as arguments. Outside a
request :func:`current` is None: nothing is memoized, limited or deferred.

Lifetime: from the start of the request until its response body is closed; then it is
garbage. Nothing here is shared between requests, and there is no thread-local state.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from cms_dav.memo import Memo
from cms_dav.store.records import WriteOrigin

if TYPE_CHECKING:
    from cms_dav.limits.work import WorkLimits

#: where the WSGI layers find this request's context in the environ
ENVIRON_KEY = "cms_dav.request_context"


@dataclass
class RequestContext:
    """Per-request facts; each field says who writes it and who reads it."""

    #: the authenticated user Radicale runs the request as (storage plugin: set when
    #: Radicale takes its lock, read for the audit trail of each write)
    actor: str = ""
    #: the client's address as ``cms_dav.wsgi.client_address`` decides it (REMOTE_ADDR,
    #: or a trusted proxy's forwarded hop, issue 17), and the HTTP method: the scope layer
    #: writes both; the audit trail reads them through
    #: ``wsgi.request_scope.http_origins`` (issue 13), the auth plugin hands the address
    #: to the login throttle, the request log and the metrics gate read it too
    address: str = ""
    method: str = ""
    #: the TCP peer (REMOTE_ADDR); differs from ``address`` behind a trusted proxy
    peer: str = ""
    #: False when failed logins must never lock a user out "from" this address (an
    #: unconfigured proxy's or an unknown hop's; ``wsgi.client_address``)
    address_lockable: bool = True
    #: the peer sent X-Forwarded-For/Forwarded without being a trusted proxy
    untrusted_forwarding: bool = False
    #: the user Radicale authenticated (auth plugin), for the request log
    user: str = ""
    #: what that login may do (``cms_dav.acl.scope``): "full" for a password, else the
    #: app password's scope (auth plugin writes it; the rights plugin cuts the policy's
    #: letters to it). "full" until a login says otherwise: a share link's anonymous
    #: request is bounded by the link's own permissions
    scope: str = "full"
    #: the local name of a REPORT body's root element, e.g. ``sync-collection``
    #: (``cms_dav.wsgi.xml_guard`` writes it; ``cms_dav.wsgi.metrics`` reads it)
    report: str = ""
    #: lookups Radicale repeats within the request (plugins); cleared around writes
    memo: Memo = field(default_factory=Memo)
    #: the store kept something other than the upload's bytes (storage plugin writes the
    #: store's ``WriteResult.modified``; ``cms_dav.wsgi.upload_etag`` drops the ETag)
    upload_modified: bool = False
    #: the body of a PUT, decoded as Radicale decodes it (``cms_dav.wsgi.limits`` writes
    #: it; the storage plugin stores it, or for a whole collection each object's part of
    #: it, instead of Radicale's re-serialization when it is the object Radicale
    #: accepted: lossless storage, issue 12); None = not read
    upload_text: str | None = None
    #: Radicale's parse of that body and whether its sanitizing changed it
    #: (``cms_dav_plugins.upload_watch`` writes it; the storage plugin reads it); None = none
    upload_parse: Any = None
    #: why a layer inside Radicale refused the request: Radicale answers a bare 400,
    #: ``cms_dav.wsgi.limits`` answers this refusal's own status and description instead
    refusal: Exception | None = None
    #: recurrence and time budget of this request (``cms_dav.wsgi.limits`` sets it for
    #: REPORT and GET; ``cms_dav.limits.recurrence`` consults it); None = unbounded
    work: WorkLimits | None = None
    #: the ``Push-Dont-Notify`` subscriptions of the request (``cms_dav.wsgi.push_register``
    #: writes them; :meth:`origin` hands them to the write, the push route skips them)
    push_dont_notify: tuple[str, ...] = ()
    #: seconds to hold the answer back (a failed login's throttle delay, set by the auth
    #: plugin; ``cms_dav.wsgi.response_delay`` hands it to the server front)
    response_delay: float = 0.0

    def origin(self, user: str) -> WriteOrigin:
        """The origin of a write ``user`` makes in this request: door "http"."""
        return WriteOrigin(user=user, door="http", address=self.address, method=self.method,
                           push_dont_notify=self.push_dont_notify)

    def refuse(self, refusal: Exception) -> None:
        self.refusal = refusal

    def defer_response(self, seconds: float) -> None:
        """Hold this request's answer back ``seconds`` without holding a worker thread."""
        self.response_delay = max(self.response_delay, seconds)

    def take_response_delay(self) -> float:
        delay, self.response_delay = self.response_delay, 0.0
        return delay


_current: ContextVar[RequestContext | None] = ContextVar("cms_dav_request_context",
                                                         default=None)


def current() -> RequestContext | None:
    """The context of the request this code runs for; None outside an HTTP request."""
    return _current.get()


@contextmanager
def made_current(context: RequestContext) -> Iterator[RequestContext]:
    """Make ``context`` current for the code in the ``with`` block (and only for it)."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def of(environ: Mapping[str, Any]) -> RequestContext:
    """This request's context, from the environ (for WSGI layers)."""
    try:
        context = environ[ENVIRON_KEY]
    except KeyError:
        raise RuntimeError(f"no {ENVIRON_KEY!r} in the environ: this layer must run "
                           "inside cms_dav.wsgi.request_scope.RequestScopeMiddleware") from None
    assert isinstance(context, RequestContext)
    return context
