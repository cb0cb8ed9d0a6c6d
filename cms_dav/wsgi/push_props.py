"""The WebDAV-Push properties in PROPFIND answers: ``transports``, ``topic`` and
``supported-triggers`` (:mod:`cms_dav.push.xml`) on every address book and calendar the
caller may read, their own, a share's mount or a group's.

Radicale can only answer text-valued properties it stores, and ``transports`` has
children, so this layer edits Radicale's (or the fast listing's) multistatus: for each
response naming such a collection, the properties move out of the 404 propstat into the
200 one with their values. Only requests that ask for them (by name, or ``allprop``
at Depth 0 or on a home or the root) are touched, and only their answers are read
whole; every other request passes untouched.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from cms_dav.acl.permissions import split
from cms_dav.push.vapid import VapidKey
from cms_dav.push.xml import PROPERTIES, property_value
from cms_dav.wsgi.push_register import Collections, script_prefix
from cms_dav.wsgi.whole_answer import whole_answer
from cms_dav.wsgi.unmount import basic_login

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

DAV = "{DAV:}"
_BODY_HEADERS = {"content-length", "content-encoding"}


def asked(body: bytes) -> tuple[tuple[str, ...], bool]:
    """The push properties a PROPFIND body asks for, and whether by ``allprop``."""
    if not body.strip():
        return PROPERTIES, True  # RFC 4918 §9.1: no body is allprop
    if b"webdav-push" not in body and b"allprop" not in body:
        return (), False  # most PROPFINDs: no parse
    try:
        root = ET.fromstring(body)  # XmlGuardMiddleware refused DTDs and entities
    except ET.ParseError:
        return (), False
    if root.find(f"{DAV}allprop") is not None:
        return PROPERTIES, True
    prop = root.find(f"{DAV}prop")
    names = () if prop is None else tuple(child.tag for child in prop
                                          if child.tag in PROPERTIES)
    return names, False


class PushPropsMiddleware:
    def __init__(self, app: WSGIApp, collections: Collections, key: VapidKey) -> None:
        self.app = app
        self.collections = collections
        self.key = key

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "").upper() != "PROPFIND":
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        names, allprop = asked(body)
        shallow = (environ.get("HTTP_DEPTH", "infinity") == "0"
                   or len(split(unquote(environ.get("PATH_INFO", "")))) <= 1)
        user = basic_login(environ)
        if not names or (allprop and not shallow) or not user:
            return self.app(environ, start_response)
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # the answer is edited: no gzip
        answer = whole_answer(self.app, environ)
        status, headers, data = answer.status, answer.headers, answer.body
        if status.startswith("207"):
            data = self._edit(data, user, script_prefix(environ), names)
        headers = [(name, value) for name, value in headers
                   if name.lower() not in _BODY_HEADERS]
        start_response(status, headers + [("Content-Length", str(len(data)))])
        return [data]

    def _edit(self, data: bytes, user: str, prefix: str, names: tuple[str, ...]) -> bytes:
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            return data
        changed = False
        for response in root.findall(f"{DAV}response"):
            href = unquote(response.findtext(f"{DAV}href") or "")
            stored = self.collections.pushable(user, href[len(prefix):]
                                               if href.startswith(prefix) else href)
            if stored is not None:
                self._add(response, stored, names)
                changed = True
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) if changed else data

    def _add(self, response: ET.Element, stored: str, names: tuple[str, ...]) -> None:
        found = None
        for propstat in response.findall(f"{DAV}propstat"):
            prop = propstat.find(f"{DAV}prop")
            if prop is None:
                continue
            for child in [each for each in prop if each.tag in names]:
                prop.remove(child)
            if " 200 " in (propstat.findtext(f"{DAV}status") or "") and found is None:
                found = prop
            elif not len(prop):
                response.remove(propstat)
        if found is None:
            propstat = ET.Element(f"{DAV}propstat")
            found = ET.SubElement(propstat, f"{DAV}prop")
            ET.SubElement(propstat, f"{DAV}status").text = "HTTP/1.1 200 OK"
            response.insert(1, propstat)
        for name in names:
            found.append(property_value(name, self.key.public_key, self.key.topic(stored)))
