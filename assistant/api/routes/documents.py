"""Documents: list them, serve a PDF at a page, and (admin) upload or remove one."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.types import Message

from assistant.answer.types import document_url
from assistant.api import files
from assistant.api.deps import ServicesDep, SettingsDep
from assistant.api.errors import ApiError
from assistant.api.ratelimit import rate_limited
from assistant.api.schemas import (
    DeleteResponse,
    DocumentList,
    DocumentOut,
    ErrorResponse,
    UploadResponse,
)
from assistant.api.security import require_admin
from assistant.settings import Settings
from ingest.models import DocumentRecord
from vectorstore.errors import UnknownDocumentError

log = logging.getLogger(__name__)
router = APIRouter(tags=["documents"])
_MULTIPART_OVERHEAD = 64 * 1024


def _errors(**descriptions: str) -> dict[int | str, dict[str, Any]]:
    return {int(status[1:]): {"model": ErrorResponse, "description": text} for status, text in descriptions.items()}


def _out(record: DocumentRecord, settings: Settings) -> DocumentOut:
    return DocumentOut(file=record.file, title=record.title, publisher=record.publisher, year=record.year,
                       pages=record.pages, ocr_pages=record.ocr_pages, chunks=record.chunks,
                       ingested_at=record.ingested_at,
                       url=document_url(record.file), source=files.source_of(settings, record.file))


@router.get("/v1/documents", response_model=DocumentList, responses=_errors(s503="Store unavailable"),
            summary="The indexed documents")
def list_documents(services: ServicesDep,
                   settings: SettingsDep) -> DocumentList:
    records = services.knowledge_base.snapshot().documents
    return DocumentList(documents=[_out(record, settings) for record in records])


@router.head("/documents/{file}", include_in_schema=False)
@router.get("/documents/{file}", response_class=FileResponse,
                  responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"},
                             **_errors(s404="Not an indexed document, or not a plain file name")},
                  summary="The PDF of an indexed document (append #page=N to open at a page)")
def get_document(file: str, services: ServicesDep,
                 settings: SettingsDep) -> FileResponse:
    not_found = ApiError(404, "not_found", f"no document named {file!r}")
    if not files.is_plain_name(file) or services.knowledge_base.snapshot().record(file) is None:
        raise not_found
    found = files.locate(settings, file)
    if found is None:
        raise not_found
    return FileResponse(found[0], media_type="application/pdf", filename=file, content_disposition_type="inline")


_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "One PDF"}}}}}}}


@router.post("/v1/documents", status_code=201, response_model=UploadResponse, openapi_extra=_UPLOAD_BODY,
             dependencies=[Depends(require_admin), Depends(rate_limited)],
             responses=_errors(s400="No file in the form", s401="Missing or wrong admin token",
                               s403="Admin endpoints are disabled", s409="A corpus document has this name",
                               s413="Larger than SMARTCITY_MAX_UPLOAD_MB", s415="Not a PDF",
                               s422="The PDF cannot be ingested (encrypted, no text, broken)",
                               s429="Rate limit reached"),
             summary="Upload one PDF and index it at once (admin)")
async def upload_document(request: Request, services: ServicesDep,
                          settings: SettingsDep) -> UploadResponse:
    """Multipart form with one field `file`. The file name is sanitised; a file of the same
    name uploaded before is replaced. The PDF is searchable when this returns."""
    max_bytes = settings.max_upload_mb * 1024 * 1024
    upload = await _read_upload(request, settings, max_bytes)
    name = files.sanitise_name(upload.filename)
    if files.source_of(settings, name) == "corpus":
        raise ApiError(409, "conflict", f"{name!r} is a corpus document; rename the upload")
    staged = files.StagedUpload(settings, name)
    try:
        await run_in_threadpool(staged.write, upload.file, max_bytes)
        report = await run_in_threadpool(services.ingestor.ingest, [staged.path])
        outcome = report.outcomes[0]
        if outcome.status == "failed":
            raise ApiError(422, "bad_document", f"{name}: {outcome.reason}")
        await run_in_threadpool(staged.publish)
    finally:
        staged.discard()
        await upload.close()
    log.info("uploaded %s: %s, %d pages, %d chunks", name, outcome.status, outcome.pages, outcome.chunks)
    record = services.knowledge_base.snapshot(force=True).record(name)
    return UploadResponse(file=name, status=outcome.status, pages=outcome.pages,  # type: ignore[arg-type]
                          chunks=outcome.chunks, seconds=round(report.seconds, 3),
                          document=_out(record, settings) if record else None)


async def _read_upload(request: Request, settings: Settings, max_bytes: int) -> StarletteUploadFile:
    """The one file of a multipart body, reading no more than the size limit allows."""
    limit = max_bytes + _MULTIPART_OVERHEAD
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise files.too_large(settings)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the PDF as multipart/form-data with a field 'file'")
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise files.too_large(settings)
        return message

    form = await Request(request.scope, receive).form(max_files=1, max_fields=5)
    upload = form.get("file")
    if not isinstance(upload, StarletteUploadFile):
        await form.close()
        raise ApiError(400, "missing_file", "the form has no file field named 'file'")
    if upload.size is not None and upload.size > max_bytes:
        await form.close()
        raise files.too_large(settings)
    return upload


@router.delete("/v1/documents/{file}", response_model=DeleteResponse, dependencies=[Depends(require_admin)],
               responses=_errors(s401="Missing or wrong admin token", s403="Admin endpoints are disabled",
                                 s404="Not an indexed document"),
               summary="Remove a document from the index (admin)")
def delete_document(file: str, services: ServicesDep,
                    settings: SettingsDep) -> DeleteResponse:
    """Unpublishes the document and deletes its passages; an uploaded PDF is deleted too,
    a corpus PDF stays on disk (a later `smartcity ingest` would add it again)."""
    if not files.is_plain_name(file):
        raise UnknownDocumentError(f"no document named {file!r}")
    services.knowledge_base.remove_document(file)  # under the write lock; 404 if it is not indexed
    copy = files.uploaded_copy(settings, file)
    if copy is not None:
        copy.unlink(missing_ok=True)
    log.info("removed %s (uploaded copy deleted: %s)", file, copy is not None)
    return DeleteResponse(file=file, removed=True, file_deleted=copy is not None)
