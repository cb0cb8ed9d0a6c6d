"""A minimal DAV client on http.client: one keep-alive connection per client object.

Only the stdlib is used so that the client costs the same for every server and its
own overhead stays small; response bodies are read completely inside the timing
(that is what a client waits for) and only inspected afterwards.
"""

from __future__ import annotations

import base64
import http.client
import re
import socket
from dataclasses import dataclass
from xml.sax.saxutils import escape

PROPFIND_GETETAG = b"""<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"""

MKCOL_ADDRESSBOOK = b"""<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>
<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>
<D:displayname>%s</D:displayname></D:prop></D:set></D:mkcol>"""

MKCALENDAR = b"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>%s</D:displayname></D:prop></D:set></C:mkcalendar>"""

_RESPONSE = re.compile(rb"<(?:[A-Za-z0-9_]+:)?response[\s>]")
_SYNC_TOKEN = re.compile(rb"<(?:[A-Za-z0-9_]+:)?sync-token>([^<]+)<")


class HttpError(Exception):
    """A request got an unexpected status: the benchmark must not time an error page."""


@dataclass
class Response:
    status: int
    body: bytes

    @property
    def response_count(self) -> int:
        return len(_RESPONSE.findall(self.body))

    @property
    def sync_token(self) -> str:
        match = _SYNC_TOKEN.search(self.body)
        if match is None:
            raise HttpError("no sync-token in the sync-collection response")
        return match.group(1).decode().strip()


def sync_collection(token: str) -> bytes:
    token_xml = f"<D:sync-token>{escape(token)}</D:sync-token>" if token else "<D:sync-token/>"
    return (f'<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:">'
            f"{token_xml}<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
            f"</D:sync-collection>").encode()


def addressbook_multiget(hrefs: list[str]) -> bytes:
    refs = "".join(f"<D:href>{escape(h)}</D:href>" for h in hrefs)
    return (f'<?xml version="1.0" encoding="utf-8"?><CR:addressbook-multiget xmlns:D="DAV:" '
            f'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>'
            f"<CR:address-data/></D:prop>{refs}</CR:addressbook-multiget>").encode()


def addressbook_query(prop: str, text: str, match_type: str, with_data: bool = True) -> bytes:
    """``with_data=False``: ETags only, so the time is the search's, not the cards' bytes."""
    data = "<CR:address-data/>" if with_data else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><CR:addressbook-query xmlns:D="DAV:" '
            f'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>{data}'
            f'</D:prop><CR:filter><CR:prop-filter name="{prop}"><CR:text-match '
            f'collation="i;unicode-casemap" match-type="{match_type}">{escape(text)}'
            f"</CR:text-match></CR:prop-filter></CR:filter></CR:addressbook-query>").encode()


def calendar_query(start: str, end: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" '
            f'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter>'
            f'<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{start}" end="{end}"/></C:comp-filter></C:comp-filter>'
            f"</C:filter></C:calendar-query>").encode()


class DavClient:
    """One connection, Basic auth sent up front (as every real client does after the
    first 401), reconnecting transparently when the server closes the connection."""

    def __init__(self, host: str, port: int, user: str, password: str, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._auth = f"Basic {token}"
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None,
                expect: tuple[int, ...] = (200, 201, 204, 207)) -> Response:
        all_headers = {"Authorization": self._auth, "Content-Length": str(len(body))}
        all_headers.update(headers or {})
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                raw = conn.getresponse()
                data = raw.read()
                if raw.will_close:
                    self.close()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # a keep-alive connection the server had already closed: retry once
                self.close()
                if attempt == 2:
                    raise
            except (socket.timeout, TimeoutError):
                self.close()
                raise
        if raw.status not in expect:
            snippet = data[:200].decode("utf-8", "replace").strip()
            raise HttpError(f"{method} {path} -> {raw.status} {raw.reason}: {snippet}")
        return Response(raw.status, data)

    def put(self, path: str, body: bytes, content_type: str) -> Response:
        return self.request("PUT", path, body, {"Content-Type": f"{content_type}; charset=utf-8"})

    def report(self, path: str, body: bytes, depth: str = "1") -> Response:
        return self.request("REPORT", path, body,
                            {"Content-Type": "application/xml; charset=utf-8", "Depth": depth})

    def propfind(self, path: str, body: bytes, depth: str) -> Response:
        return self.request("PROPFIND", path, body,
                            {"Content-Type": "application/xml; charset=utf-8", "Depth": depth})
