"""Principal search: ``DAV:principal-property-search`` and
``DAV:principal-search-property-set`` (RFC 3744 §9.4, §9.5), so clients can find
colleagues to share with or invite.

Radicale answers both reports with an empty multistatus. This layer lets Radicale
run the request first (login, path checks) and, when it let an authenticated user in,
replaces that empty answer with the search's. The principals are the users (file or
table: :mod:`cms_dav.auth.directory`) that :func:`cms_dav.acl.visibility.may_know_of`
lets the caller know of; a principal's display name is its home's ``DAV:displayname``
(else the login name), its addresses the e-mail addresses of :mod:`cms_dav.auth.addresses`.

Searchable: ``DAV:displayname``, ``C:calendar-user-address-set`` and Apple's
``CS:email-address-set``; ``match-type`` ``contains`` (default), ``starts-with`` or
``equals``, caseless (RFC 3744 §9.4 "caseless substring"); ``test="allof"`` (default)
or ``anyof``. A property that cannot be searched matches nothing; a search without
any ``property-search`` lists every principal the caller may know of (python-caldav
asks so). At most :data:`MAX_RESULTS` principals are listed; a malformed search is a
400 naming why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence
from xml.etree import ElementTree as ET

from radicale import xmlutils

from cms_dav.acl.policy import Policy
from cms_dav.acl.visibility import may_know_of
from cms_dav.auth.addresses import emails_of
from cms_dav.auth.directory import UserDirectory
from cms_dav.request_context import of as context_of
from cms_dav.store.store import Store
from cms_dav.wsgi.listing_request import CALDAV, CARDDAV, DAV, parse_body
from cms_dav.wsgi.plain_error import plain_error
from cms_dav.wsgi.whole_answer import buffered_body, whole_answer

WSGIApp = Callable[..., Iterable[bytes]]

CALSERVER = "{http://calendarserver.org/ns/}"
DISPLAYNAME = DAV + "displayname"
ADDRESS_SET = CALDAV + "calendar-user-address-set"
EMAIL_SET = CALSERVER + "email-address-set"
REPORTS = ("principal-property-search", "principal-search-property-set")

#: principals listed by one search, at most
MAX_RESULTS = 100
#: property-search elements in one request, at most
MAX_CRITERIA = 10
#: characters of one match string, at most
MAX_MATCH = 256
MATCH_TYPES = ("contains", "starts-with", "equals")
#: children of principal-property-search that are not props asked for
NOT_PROPS = frozenset({DAV + "property-search", DAV + "prop",
                       DAV + "apply-to-principal-collection-set"})
#: what principal-search-property-set offers (RFC 3744 §9.5), with its description
SEARCHABLE = ((DISPLAYNAME, "Display name"), (ADDRESS_SET, "Calendar user address"))


class BadSearch(ValueError):
    """The search is malformed; the message says how (a 400)."""


@dataclass(frozen=True)
class Principal:
    name: str
    displayname: str
    emails: tuple[str, ...]

    def values(self, tag: str) -> tuple[str, ...]:
        """The strings a search on ``tag`` looks at."""
        if tag == DISPLAYNAME:
            return (self.displayname,)
        if tag == ADDRESS_SET:
            return tuple(f"mailto:{email}" for email in self.emails)
        if tag == EMAIL_SET:
            return self.emails
        return ()


@dataclass(frozen=True)
class Criterion:
    tags: tuple[str, ...]
    text: str
    match_type: str

    def matches(self, principal: Principal) -> bool:
        for tag in self.tags:
            for value in principal.values(tag):
                value = value.casefold()
                if self.match_type == "equals":
                    found = value == self.text or value == f"mailto:{self.text}"
                elif self.match_type == "starts-with":
                    found = value.startswith(self.text) or \
                        value.startswith(f"mailto:{self.text}")
                else:
                    found = self.text in value
                if found:
                    return True
        return False


@dataclass(frozen=True)
class Search:
    criteria: tuple[Criterion, ...]
    any_of: bool
    #: the props each listed principal is answered with
    props: tuple[str, ...]

    def matches(self, principal: Principal) -> bool:
        """Every criterion (allof) or one (anyof); no criterion at all lists every
        principal the caller may know of (python-caldav's "list all")."""
        if not self.criteria:
            return True
        results = (criterion.matches(principal) for criterion in self.criteria)
        return any(results) if self.any_of else all(results)


def parse_search(root: ET.Element) -> Search:
    """A ``principal-property-search`` body (RFC 3744 §9.4), checked and bounded."""
    test = root.get("test", "allof")
    if test not in ("allof", "anyof"):
        raise BadSearch(f"principal-property-search: test must be allof or anyof, "
                        f"not {test[:20]!r}")
    searches = root.findall(DAV + "property-search")
    if len(searches) > MAX_CRITERIA:
        raise BadSearch(f"principal-property-search: at most {MAX_CRITERIA} "
                        "DAV:property-search elements")
    criteria = tuple(_criterion(element) for element in searches)
    props = [child.tag for prop in root.findall(DAV + "prop") for child in prop]
    # python-caldav writes the props after an empty DAV:prop, as the root's children
    props += [child.tag for child in root if child.tag not in NOT_PROPS]
    return Search(criteria, test == "anyof", tuple(dict.fromkeys(props)))


def _criterion(element: ET.Element) -> Criterion:
    prop = element.find(DAV + "prop")
    match = element.find(DAV + "match")
    if prop is None or not len(prop) or match is None:
        raise BadSearch("DAV:property-search needs a DAV:prop naming a property and a "
                        "DAV:match")
    text = (match.text or "").strip()
    if not text or len(text) > MAX_MATCH:
        raise BadSearch(f"DAV:match must hold 1 to {MAX_MATCH} characters")
    match_type = match.get("match-type", "contains")
    if match_type not in MATCH_TYPES:
        raise BadSearch(f"DAV:match: match-type must be one of {', '.join(MATCH_TYPES)}, "
                        f"not {match_type[:20]!r}")
    return Criterion(tuple(child.tag for child in prop), text.casefold(), match_type)


class Directory:
    """The principals of this server as a caller may see them."""

    def __init__(self, users: UserDirectory, store: Store, policy: Policy, scope: str) -> None:
        self.users = users
        self.store = store
        self.policy = policy
        self.scope = scope

    def search(self, caller: str, search: Search) -> list[Principal]:
        found = []
        for name in may_know_of(self.policy, caller, self.scope, sorted(self.users.names())):
            principal = self.principal(name)
            if search.matches(principal):
                found.append(principal)
                if len(found) == MAX_RESULTS:
                    break
        return found

    def principal(self, name: str) -> Principal:
        home = self.store.collection(name)
        displayname = (home.props.get("D:displayname") if home is not None else None) or name
        return Principal(name, displayname, emails_of(self.store, name))


class PrincipalSearchMiddleware:
    """Answers the two principal search reports for users Radicale let in."""

    def __init__(self, app: WSGIApp, directory: Directory) -> None:
        self.app = app
        self.directory = directory

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        context = context_of(environ)
        if environ.get("REQUEST_METHOD", "").upper() != "REPORT" or \
                context.report not in REPORTS:
            return self.app(environ, start_response)
        body = buffered_body(environ)
        radicales = whole_answer(self.app, environ)
        if not radicales.status.startswith("207") or not context.user:
            return radicales.send(start_response)
        root = parse_body(body, environ.get("CONTENT_TYPE", ""))
        if root is None or root.tag not in (DAV + name for name in REPORTS):
            return radicales.send(start_response)
        prefix = environ.get("HTTP_X_SCRIPT_NAME", environ.get("SCRIPT_NAME", "")).rstrip("/")
        if root.tag == DAV + "principal-search-property-set":
            return _xml(start_response, "200 OK", search_property_set())
        try:
            search = parse_search(root)
        except BadSearch as problem:
            return plain_error(start_response, "400 Bad Request", str(problem))
        found = self.directory.search(context.user, search)
        return _xml(start_response, "207 Multi-Status", multistatus(found, search.props,
                                                                     prefix))


def search_property_set() -> ET.Element:
    """RFC 3744 §9.5: the properties a principal search may name."""
    root = ET.Element(DAV + "principal-search-property-set")
    for tag, description in SEARCHABLE:
        offered = ET.SubElement(root, DAV + "principal-search-property")
        ET.SubElement(ET.SubElement(offered, DAV + "prop"), tag)
        text = ET.SubElement(offered, DAV + "description")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        text.text = description
    return root


def multistatus(found: Sequence[Principal], props: Sequence[str], prefix: str) -> ET.Element:
    """One response per principal, with the asked-for props (RFC 3744 §9.4)."""
    root = ET.Element(DAV + "multistatus")
    for principal in found:
        response = ET.SubElement(root, DAV + "response")
        href = xmlutils.make_href(prefix, f"/{principal.name}/")
        ET.SubElement(response, DAV + "href").text = href
        known = ET.Element(DAV + "prop")
        unknown = ET.Element(DAV + "prop")
        for tag in props:
            element = _prop(tag, principal, href)
            if element is None:
                ET.SubElement(unknown, tag)
            else:
                known.append(element)
        for prop, status in ((known, "200 OK"), (unknown, "404 Not Found")):
            if len(prop):
                propstat = ET.SubElement(response, DAV + "propstat")
                propstat.append(prop)
                ET.SubElement(propstat, DAV + "status").text = f"HTTP/1.1 {status}"
    return root


def _prop(tag: str, principal: Principal, href: str) -> ET.Element | None:
    element = ET.Element(tag)
    if tag == DISPLAYNAME:
        element.text = principal.displayname
    elif tag == ADDRESS_SET:
        for value in (*principal.values(ADDRESS_SET), href):
            ET.SubElement(element, DAV + "href").text = value
    elif tag == EMAIL_SET:
        for email in principal.emails:
            ET.SubElement(element, CALSERVER + "email-address").text = email
    elif tag in (DAV + "principal-URL", CALDAV + "calendar-home-set",
                 CARDDAV + "addressbook-home-set"):
        ET.SubElement(element, DAV + "href").text = href
    elif tag == DAV + "resourcetype":
        ET.SubElement(element, DAV + "collection")
        ET.SubElement(element, DAV + "principal")
    elif tag == CALDAV + "calendar-user-type":
        element.text = "INDIVIDUAL"
    else:
        return None
    return element


def _xml(start_response: Callable[..., Any], status: str, root: ET.Element) -> list[bytes]:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    start_response(status, [("Content-Type", "text/xml; charset=utf-8"),
                            ("Content-Length", str(len(body)))])
    return [body]
