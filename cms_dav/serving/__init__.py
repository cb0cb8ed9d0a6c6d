"""cms_dav's own HTTP/1.1 front for the WSGI application (``cms-dav serve``).

A buffering reverse proxy in one process: every connection costs only a coroutine
until its whole request (head and body) has arrived within its deadlines; only then
is the WSGI application called, in a bounded pool of worker threads. Slow or hostile
clients therefore hold a few kilobytes each, never a worker (issue 10, item 4).

Modules, one job each: ``limits`` (the numbers), ``errors`` (refusals as bytes),
``framing`` (request body framing, RFC 9112 §6), ``body`` (the buffered body),
``environ`` (PEP 3333 environ), ``bridge`` (the app in a worker thread, its response
streamed back), ``admission`` (connection limits), ``wire`` (a connection's bytes and each wait's
deadline, an asyncio Protocol), ``connection`` (one connection's life and deadlines),
``listener`` (sockets, signals, graceful stop).
"""

from cms_dav.serving.limits import ServerLimits
from cms_dav.serving.listener import run

__all__ = ["ServerLimits", "run"]
