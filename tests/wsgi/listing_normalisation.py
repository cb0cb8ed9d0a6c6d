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


#: a response with properties: a found item's (a 404 for a name gone since a sync token,
#: or a 507, has only a status)
FOUND = b"<propstat>"


def normalise(answer: Answer, kind: str) -> Answer:
    """``answer`` with only the differences no client can rely on taken out; everything
    else (status line, the other headers in their order, every byte of the body: the
    XML declaration, namespace declarations and prefixes, whitespace, escaping, the
    responses' contents, the place of a PROPFIND's own response and of a sync's 404s
    and 507, even the gzip bytes of other answers) is kept for a byte comparison.
    ``kind``: "propfind", "sync", "multiget" or anything else (no sorting).

    1. ``Content-Length`` is dropped. Radicale builds the whole body first and sends
       its length; the stream cannot know it and is sent chunked (HTTP/1.1) or closed
       at its end (HTTP/1.0). Both framings deliver the same bytes (RFC 9112 §6.1-6.3).
    2. For addressbook-/calendar-multiget, the ``<response>`` elements are sorted
       (as bytes, so by href), after undoing a gzip content coding to get at them.
       Radicale collects the requested hrefs into a Python ``set`` and answers in its
       iteration order (404s first), which depends on the process's string hash seed
       (PYTHONHASHSEED): Radicale's own order is undefined, and RFC 6352 §8.7, RFC 4791
       §7.9 and RFC 4918 §13 define none. The stream keeps the request's order, or
       storage order for a multiget of most of the book. See
       test_radicales_multiget_order_follows_the_hash_seed.
    3. For PROPFIND Depth 1 and sync-collection, the found items' responses (those
       with a ``<propstat>``) are sorted among their own places, gzip undone as in 2.
       Radicale answers by href; the stream reads a whole book in storage order (row
       id), which for UUID hrefs written by single PUTs is no href order (a read by
       href visited a table page per row: bench/README.md, round eight). RFC 4918 §9.1
       and RFC 6578 §3.5 define no order of a multistatus' responses. What stays in
       place, and so is still compared: a PROPFIND's first response (the collection's
       own) and the status-only responses of a sync (404s first, a 507 last).
    """
    headers = tuple((name, value) for name, value in answer.headers
                    if name.lower() != "content-length")
    body = answer.body
    if kind in ("multiget", "propfind", "sync"):
        if answer.header("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        responses = RESPONSE.findall(body)
        between = RESPONSE.split(body)
        if kind == "multiget":
            places = list(range(len(responses)))
        else:
            places = [at for at, response in enumerate(responses)
                      if FOUND in response and (kind != "propfind" or at > 0)]
        for at, response in zip(places, sorted([responses[at] for at in places]), strict=True):
            responses[at] = response
        body = between[0] + b"".join(response + after for response, after
                                     in zip(responses, between[1:], strict=True))
    return Answer(answer.status, headers, body)
