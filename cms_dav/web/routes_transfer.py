"""Export downloads and import of address books in the web app, through the same code
as ``cms-dav export`` / ``cms-dav import`` (:mod:`cms_dav.io.collection_export`,
:mod:`cms_dav.io.importer`) and the same ACL answer (:mod:`cms_dav.api.access`).

Import is two POSTs (each with the session's CSRF token): the upload is read and
imported as a dry run, whose preview lists what would be created or updated and every
rejected row; its "import" button sends the same file back (base64 in the form, so any
worker process can take it, nothing is kept on the server) for the real import. Both
need write access to the book; the file is bounded by ``[web] import_max_bytes``
(413 naming the limit)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from cms_dav.api import access
from cms_dav.api.auth import Door
from cms_dav.api.problems import ApiProblem
from cms_dav.contacts.field_ops import fields_for_book
from cms_dav.contacts.query import address_books
from cms_dav.io.collection_export import ExportError, export_collection
from cms_dav.io.import_sources import SourceError, read_source
from cms_dav.io.importer import ImportReport, ImportTargetError, import_source
from cms_dav.io.table_fields import TableError
from cms_dav.web.forms import Page, check_token, door_of
from cms_dav.web.render import language, page, redirect, services_of
from cms_dav.web.report_view import number
from cms_dav.web.routes_contacts import Segment

router = APIRouter()
TRANSFER = "/app/transfer"
#: what a download is sent as (RFC 6350 §3 for vCard, RFC 4180 for CSV)
EXPORTS = {"vcf": "text/vcard; charset=utf-8", "csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: formats an upload may be in (address books only)
IMPORTS = ("vcf", "csv", "xlsx")
#: share of ``[server] max_body_bytes`` the import may use (the confirm step's base64)
BODY_SHARE = 0.7


def _books(request: Request, user: str) -> list[dict[str, Any]]:
    api = services_of(request).api
    with api.store.reading() as conn:
        paths = [b.path for b in address_books(conn, api.policy, user)]
    return [{"path": path, "owner": path.split("/")[0], "name": path.split("/", 1)[1],
             "writable": "w" in api.policy.authorization(user, f"/{path}/").lower()}
            for path in paths if path.count("/") == 1]


def import_limit(request: Request) -> int:
    settings = services_of(request).api.settings
    return min(settings.web_import_max_bytes, int(settings.max_body_bytes * BODY_SHARE))


@router.get(TRANSFER)
def transfer(request: Request, session: Page) -> Response:
    door = door_of(request, session)
    books = _books(request, session.user)
    writable = [b for b in books if b["writable"]] if not door.caller.read_only else []
    return page(request, "transfer.html", session, books=books, writable=writable,
                formats=list(EXPORTS), limit=number(language(request), import_limit(request)))


@router.get("/app/export/{owner}/{book}")
def export(request: Request, session: Page, owner: Segment, book: Segment,
           fmt: Annotated[str, Query(alias="format", pattern="^(vcf|csv|xlsx)$")] = "vcf"
           ) -> Response:
    door = door_of(request, session)
    record = access.collection(door, owner, book)
    api = door.services
    keys = fields_for_book(api.fields.fields(), api.policy, record.path).keys()
    try:
        data = export_collection(door.store, record.path, fmt, fields=list(keys),
                                 default_region=api.settings.default_region)
    except ExportError as exc:
        raise ApiProblem(422, str(exc)) from None
    # RFC 6266 §4.1: a plain ASCII quoted-string (no quote, no backslash)
    name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                   for c in f"{owner}-{book}.{fmt}")
    return Response(data, media_type=EXPORTS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


async def _genuine_form(request: Request, session: Page, limit: int) -> FormData:
    """The multipart form, if it carries the session's CSRF token."""
    try:
        fields = await request.form(max_files=1, max_fields=10,
                                    max_part_size=int(limit * 1.4) + 1024)
    except HTTPException as exc:  # Starlette's answer to a multipart the parser refused
        if "size" in str(exc.detail):
            raise _too_big(limit) from None
        raise ApiProblem(400, f"the upload is not a readable form: {exc.detail}") from None
    token = fields.get("csrf")
    check_token(token if isinstance(token, str) else None, session.csrf)
    return fields


def _target(request: Request, session: Page, fields: FormData) -> tuple[Door, str]:
    door = door_of(request, session)
    if door.caller.read_only:
        raise ApiProblem(403, "this sign-in is read-only (an app password of scope \"read\")")
    path = str(fields.get("book") or "").strip("/")
    owner, _, name = path.partition("/")
    if not owner or not name or "/" in name:
        raise ApiProblem(422, "book: an address book such as alice/contacts")
    return door, access.collection(door, owner, name, need="w").path


def _too_big(limit: int) -> ApiProblem:
    return ApiProblem(413, f"the file is larger than the import limit of {limit} bytes "
                           "([web] import_max_bytes)")


def _run(door: Door, path: str, data: bytes, filename: str,
         dry_run: bool) -> ImportReport:
    api = door.services
    fmt = filename.rsplit(".", 1)[-1].lower() if "." in filename else "auto"
    try:
        fields = fields_for_book(api.fields.fields(), api.policy, path)
        source = read_source(data, fmt if fmt in IMPORTS else "auto", filename=filename,
                             default_region=api.settings.default_region, fields=fields)
        if source.tag != access.ADDRESS_BOOK:
            raise ApiProblem(422, f"{filename}: choose a vCard, CSV or xlsx file")
        return import_source(door.store, path, source, actor=door.user, dry_run=dry_run,
                             default_region=api.settings.default_region)
    except (SourceError, TableError, ImportTargetError) as exc:
        raise ApiProblem(422, f"{filename}: {exc}") from None


def _result(request: Request, session: Page, path: str, filename: str, data: bytes,
            report: ImportReport) -> Response:
    return page(request, "import.html", session, book=path, filename=filename,
                report=report, rejected=report.rejected[:500],
                payload=base64.b64encode(data).decode() if report.dry_run else "")


@router.get("/app/import")
@router.get("/app/import/commit")
def to_transfer(request: Request, session: Page) -> Response:
    """A GET of the import steps (e.g. the language switcher's way back): the form."""
    return redirect(request, TRANSFER, session)


@router.post("/app/import")
async def preview(request: Request, session: Page) -> Response:
    """Dry run of an uploaded file: what would happen, nothing stored."""
    limit = import_limit(request)
    fields = await _genuine_form(request, session, limit)
    door, path = _target(request, session, fields)
    upload = fields.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ApiProblem(422, "file: choose a file to import")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _too_big(limit)
    if not data:
        raise ApiProblem(422, f"{upload.filename}: the file is empty")
    filename = upload.filename[-200:]
    report = await run_in_threadpool(_run, door, path, data, filename, True)
    return _result(request, session, path, filename, data, report)


@router.post("/app/import/commit")
async def commit(request: Request, session: Page) -> Response:
    """The real import of the file a preview showed (sent back by its form)."""
    limit = import_limit(request)
    fields = await _genuine_form(request, session, limit)
    door, path = _target(request, session, fields)
    try:
        data = base64.b64decode(str(fields.get("payload") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise ApiProblem(422, "payload: the file of the preview, base64-encoded") from None
    if len(data) > limit:
        raise _too_big(limit)
    if not data:
        raise ApiProblem(422, "payload: the file of the preview is missing")
    filename = str(fields.get("filename") or "upload")[-200:]
    report = await run_in_threadpool(_run, door, path, data, filename, False)
    return _result(request, session, path, filename, data, report)
