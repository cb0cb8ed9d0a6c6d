"""What may differ between the streamed listing and Radicale's own answer, in one place.

docs/fast-listing.md explains each point for readers who do not read tests.
"""

from __future__ import annotations

import gzip
import re

from tests.wsgi.wsgi_call import Answer

#: one ``<response>`` element of a multistatus: responses never nest, and a ``<`` in
#: a text is always escaped, so the first ``</response>`` after ``<response>`` closes it
RESPONSE = re.compile(rb"<response>.*?</response>", re.DOTALL)


def normalise(answer: Answer, multiget: bool) -> Answer:
    """``answer`` with only the differences no client can rely on taken out; everything
    else (status line, the other headers in their order, every byte of the body: the
    XML declaration, namespace declarations and prefixes, whitespace, escaping, the
    order of the responses of PROPFIND and sync-collection, even the gzip bytes) is
    kept for a byte comparison.

    1. ``Content-Length`` is dropped. Radicale builds the whole body first and sends
       its length; the stream cannot know it and is sent chunked (HTTP/1.1) or closed
       at its end (HTTP/1.0). Both framings deliver the same bytes (RFC 9112 §6.1-6.3).
    2. For addressbook-/calendar-multiget only, the ``<response>`` elements are sorted
       (as bytes, so by href), after undoing a gzip content coding to get at them.
       Radicale collects the requested hrefs into a Python ``set`` and answers in its
       iteration order (404s first), which depends on the process's string hash seed
       (PYTHONHASHSEED): Radicale's own order is undefined, and RFC 6352 §8.7, RFC 4791
       §7.9 and RFC 4918 §13 define none. The stream keeps the request's order. See
       test_radicales_multiget_order_follows_the_hash_seed.
    """
    headers = tuple((name, value) for name, value in answer.headers
                    if name.lower() != "content-length")
    body = answer.body
    if multiget:
        if answer.header("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        responses = RESPONSE.findall(body)
        if responses:
            first = body.index(responses[0])
            last = body.rindex(responses[-1]) + len(responses[-1])
            body = body[:first] + b"".join(sorted(responses)) + body[last:]
    return Answer(answer.status, headers, body)
