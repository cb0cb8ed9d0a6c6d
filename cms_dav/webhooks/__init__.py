"""Signed webhooks (issue 15 item 4), an outbox consumer (:mod:`cms_dav.outbox`).

- :mod:`.signing`: the HMAC-SHA256 signature receivers verify;
- :mod:`.urls`: which endpoint URLs are accepted;
- :mod:`.endpoints`: the endpoints table and the attempt log;
- :mod:`.route`: which endpoints an event is for (in the write transaction);
- :mod:`.sender`: one delivery attempt over HTTP (off the request path);
- :mod:`.admin`: what ``cms-dav webhook`` does (register, list, remove, log).
"""

CONSUMER = "webhook"
