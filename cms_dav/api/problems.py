"""RFC 9457 problem details for every 4xx/5xx of the JSON API.

``type`` stays "about:blank" (RFC 9457 §4.2.1: the ``title`` is then the HTTP status
phrase); ``detail`` says what went wrong in this request, and a validation failure adds
``errors``: one ``{"field": ..., "reason": ...}`` per refused input (an extension member,
§3.2). FastAPI's own answers (validation, unknown route, wrong method) and any
unexpected exception go through the same shape; a 500 names nothing internal.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    reason: str


class Problem(BaseModel):
    """The body of every error answer (RFC 9457 §3.1)."""

    model_config = ConfigDict(extra="forbid")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """Raised by a route: answered as problem+json with ``status`` and ``detail``."""

    def __init__(self, status: int, detail: str, *, errors: Sequence[FieldError] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})


def problem_response(status: int, detail: str, errors: Sequence[FieldError] = (),
                     headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail,
                   errors=list(errors) or None)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status,
                        media_type=MEDIA_TYPE, headers=dict(headers or {}))


def _field(location: Sequence[Any]) -> str:
    return ".".join(str(part) for part in location) or "body"


def validation_errors(errors: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """pydantic's errors as fields and reasons (the input value is never echoed)."""
    return [FieldError(field=_field(error.get("loc", ())),
                       reason=("unknown field" if error.get("type") == "extra_forbidden"
                               else str(error.get("msg", "invalid"))))
            for error in errors[:20]]


def install(app: FastAPI) -> None:
    """Route every error answer of ``app`` through :func:`problem_response`."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        return problem_response(exc.status, exc.detail, exc.errors, exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = validation_errors(exc.errors())
        first = errors[0] if errors else FieldError(field="body", reason="invalid")
        return problem_response(422, f"{first.field}: {first.reason}", errors)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no API resource at {request.url.path}"
        return problem_response(exc.status_code, detail, headers=exc.headers)

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("JSON API: %s %s failed", request.method, request.url.path)
        return problem_response(500, "internal error; the server log has the details")

    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_error)


#: ``responses=`` for routes: the problem schema documented for the error statuses
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA_TYPE: {}},
             "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 412, 413, 422, 428)}
