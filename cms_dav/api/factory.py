"""Builds the JSON API's FastAPI application from the App's services.

The OpenAPI 3.1 document FastAPI generates from the routes and schemas is public at
``/api/v1/openapi.json``; ``/api/v1/docs`` is Swagger UI from the ``swagger-ui-bundle``
package's own files (no CDN, nothing fetched at run time).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from cms_dav.api import problems
from cms_dav.api.routes_collections import router as collections_router
from cms_dav.api.routes_contacts import router as contacts_router
from cms_dav.api.routes_interactions import router as interactions_router
from cms_dav.api.routes_records import router as records_router
from cms_dav.api.routes_shares import router as shares_router
from cms_dav.api.services import ApiServices

PREFIX = "/api/v1"
OPENAPI_URL = f"{PREFIX}/openapi.json"
DOCS_URL = f"{PREFIX}/docs"
STATIC = f"{DOCS_URL}/static"

#: every resource's router, mounted under PREFIX
ROUTERS = (collections_router, contacts_router, interactions_router, records_router,
           shares_router)

DESCRIPTION = """The contacts, interactions, custom fields, segments and shares of cms_dav
as JSON, with the same rights as CardDAV. Log in with HTTP Basic (the DAV login).
Errors are RFC 9457 problem details (`application/problem+json`)."""


def build_api(services: ApiServices) -> FastAPI:
    api = FastAPI(title="cms_dav JSON API", version="1", description=DESCRIPTION,
                  openapi_url=OPENAPI_URL, docs_url=None, redoc_url=None)
    api.state.services = services
    problems.install(api)
    for router in ROUTERS:
        api.include_router(router, prefix=PREFIX)
    api.mount(STATIC, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @api.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title="cms_dav JSON API",
                                   swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{STATIC}/swagger-ui.css",
                                   swagger_favicon_url=f"{STATIC}/favicon-32x32.png")
    return api
