"""The JSON API under ``/api/v1/`` (issue 15): FastAPI on pydantic v2, one small module
per job (app factory, authentication, problem details, schemas, one router per
resource), built by the composition root (:func:`cms_dav.app.build_app`) from the App's
services and mounted into the WSGI stack by :mod:`cms_dav.api.mount`."""
