"""What the web app is built from, handed over by the composition root: the JSON
API's services (same store, policy, authenticator), the session signer, the
message catalogues and the trusted proxies (for the cookie's Secure flag)."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment

from cms_dav.api.services import ApiServices
from cms_dav.web.duplicate_cache import DuplicateCache
from cms_dav.web.i18n import Language
from cms_dav.web.sessions import Sessions
from cms_dav.wsgi.client_address import TrustedProxies


@dataclass(frozen=True)
class WebServices:
    api: ApiServices
    sessions: Sessions
    languages: dict[str, Language]
    proxies: TrustedProxies
    #: the pages (:func:`cms_dav.web.render.templates`)
    templates: Environment
    #: duplicate groups per book version (the review pages)
    duplicates: DuplicateCache
