"""/v1/documents: upload sources (files or zips), list them, read one with its segments, attach a recording."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from reportgen.api.auth import current_tenant
from reportgen.api.errors import ApiError
from reportgen.api.idempotency import IdempotencyKey, fingerprint, remember, replay
from reportgen.api.media import check_media_url, media_urls, set_media_url
from reportgen.api.schemas import DocumentDetail, DocumentOut, DocumentPatch, UploadOut, error_responses, ts
from reportgen.api.service import Service, get_service
from reportgen.api.uploads import Parsed, Upload, parse_upload
from reportgen.ingest import DEFAULT_LIMITS
from reportgen.store.blobs import hash_source
from reportgen.store.documents import (
    document_text,
    document_warnings,
    get_document,
    list_documents,
    save_document,
    segment_page,
)
from reportgen.store.pdfpages import page_png
from reportgen.store.tables import DocumentRow, Tenant

router = APIRouter(prefix="/v1/documents", tags=["documents"])
ERRORS = error_responses(401, 404, 413, 415, 422)


def document_out(row: DocumentRow, warnings: list[str], media_url: str | None = None) -> DocumentOut:
    return DocumentOut(
        id=row.id, filename=row.filename, kind=row.kind, format=row.format, media_type=row.media_type,
        sha256=row.sha256, size=row.size, pages=row.pages, segment_count=row.segments, chars=row.chars,
        created_at=ts(row.created_at), warnings=list(warnings), media_url=media_url,
        links={"self": f"/v1/documents/{row.id}"},
    )


def store_uploads(service: Service, files: list[UploadFile], password: str | None, ocr: bool = False) -> list[Upload]:
    """Parse every file first (all or nothing): a bad file fails the request before anything is listed."""
    if not files:
        raise ApiError(422, "no files: send one or more files in the multipart field `files`.", "no_files")
    return [parse_upload(service.db, f.file, f.filename or "upload", password=password, limits=DEFAULT_LIMITS,
                         ocr=ocr) for f in files]


def save_parsed(s, tenant: Tenant, parsed: list[Parsed]) -> list[DocumentRow]:  # noqa: ANN001 - Session
    rows = [save_document(s, tenant.id, p.document, blob_sha256=p.blob_sha256, size=p.size) for p in parsed]
    s.flush()
    return rows


@router.post(
    "", status_code=201, response_model=UploadOut, responses=ERRORS, operation_id="upload_documents",
    summary="Upload sources: transcripts, PDFs, DOCX, text, or zips of a data room",
)
def upload_documents(
    request: Request,
    files: list[UploadFile] = File(..., description="One or more files; a zip expands into its documents."),
    password: str | None = Form(None, description="Password of encrypted PDFs in this upload."),
    ocr: bool = Form(False, description="Recognise PDF pages that have no text layer (scans) with tesseract-ocr."),
    media_url: str | None = Form(None, description="http(s) URL of the recording of the transcripts in this upload "
                                 "(the report page plays it from a citation's time); other files ignore it."),
    idempotency_key: str | None = IdempotencyKey,
    tenant: Tenant = Depends(current_tenant),
    service: Service = Depends(get_service),
) -> UploadOut | JSONResponse:
    """Each file is sniffed by content (not extension), parsed into located segments and stored.
    Same bytes under the same name return the document already stored. 413: too large; 415: a format
    reportgen cannot read; 422: unreadable (e.g. an encrypted PDF without the `password` field), or a
    `media_url` that is not a plain http(s) URL or comes with no transcript in the upload."""
    media_url = check_media_url(media_url)
    fp = fingerprint("POST", request.url.path, [hash_source(f.file) for f in files] + [password or ""]
                     + (["ocr"] if ocr else []) + ([f"media:{media_url}"] if media_url else []))
    with service.db.session() as s:
        if (cached := replay(s, tenant.id, idempotency_key, fp)) is not None:
            return cached
    uploads = store_uploads(service, files, password, ocr)
    parsed = [p for up in uploads for p in up.parsed]
    if media_url and not any(p.document.kind == "transcript" for p in parsed):
        raise ApiError(422, "media_url is the recording of a transcript, and this upload has none "
                       f"({', '.join(sorted({p.document.kind for p in parsed}))}); nothing was stored.",
                       "media_url_without_transcript")
    with service.db.session() as s:
        rows = save_parsed(s, tenant, parsed)
        ignored = "media_url ignored: this document is not a transcript, so it has no times to play from."
        for r, p in zip(rows, parsed, strict=True):
            if media_url and p.document.kind == "transcript":
                set_media_url(r, media_url)
        s.flush()
        urls = media_urls(s, [r.id for r in rows])
        out = [document_out(r, p.document.warnings + ([ignored] if media_url and p.document.kind != "transcript"
                                                       else []), urls.get(r.id))
               for r, p in zip(rows, parsed, strict=True)]
        body = UploadOut(documents=out)
        remember(s, tenant.id, idempotency_key, fp, 201, body)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            if (cached := replay(s, tenant.id, idempotency_key, fp)) is not None:
                return cached
            raise
    return body


@router.get("", response_model=list[DocumentOut], responses=ERRORS,
            operation_id="list_documents", summary="List your documents, newest first")
def get_documents(
    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> list[DocumentOut]:
    with service.db.session() as s:
        rows = list_documents(s, tenant.id, limit=limit, offset=offset)
        urls = media_urls(s, [r.id for r in rows])
        return [document_out(r, document_warnings(s, r), urls.get(r.id)) for r in rows]


@router.get("/{document_id}", response_model=DocumentDetail, responses=ERRORS, operation_id="get_document",
            summary="One document: its text and a page of its located segments (time and speaker, or page)")
def get_one_document(
    document_id: str,
    offset: int = Query(0, ge=0, le=10**9, description="First segment of the page (0-based)."),
    limit: int = Query(1000, ge=1, le=10000, description="Segments per page; `links.next` has the next page."),
    text: bool = Query(True, description="Include the document's text (false: segments only)."),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> DocumentDetail:
    """Segments come a page at a time (`offset`, `limit`), so a long document is read in bounded
    requests; `segment_count` is the total, and `links.next` is absent on the last page."""
    with service.db.session() as s:
        row = get_document(s, tenant.id, document_id)
        out = document_out(row, document_warnings(s, row), media_urls(s, [row.id]).get(row.id))
        if offset + limit < row.segments:
            out.links["next"] = f"/v1/documents/{row.id}?offset={offset + limit}&limit={limit}&text={str(text).lower()}"
        segments = segment_page(s, row, offset=offset, limit=limit)
        return DocumentDetail(**out.model_dump(), text=document_text(s, row) if text else "", segments=segments,
                              offset=offset, limit=limit)


@router.get("/{document_id}/pages/{number}.png", responses={**ERRORS, 200: {"content": {"image/png": {}}}},
            response_class=Response, operation_id="get_document_page",
            summary="One page of a stored PDF rendered to PNG (the viewer draws quote boxes on it)")
def get_page_png(
    document_id: str,
    number: int = Path(..., ge=1, le=100_000, description="1-based page number."),
    scale: float = Query(1.5, ge=0.25, le=4.0, description="1.0 is 72 dpi; boxes in points scale the same way."),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> Response:
    """Rendered on the server from the stored PDF with PDFium and cached (by content, page and scale);
    404 for a page past the end, 422 for a source that is not a PDF or cannot be opened."""
    with service.db.session() as s:
        row = get_document(s, tenant.id, document_id)
    png = page_png(service.db, row, number, scale)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


@router.patch("/{document_id}", response_model=DocumentOut, responses=ERRORS, operation_id="update_document",
              summary="Attach (or remove) the recording of a transcript: `media_url`")
def patch_document(
    document_id: str,
    patch: DocumentPatch = Body(...),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> DocumentOut:
    """`{"media_url": "https://..."}` sets it, `{"media_url": null}` removes it. Only transcripts have
    times to play from (422 otherwise). Reports already made see the change: the report page reads
    the URL from the document when a citation opens."""
    url = check_media_url(patch.media_url)
    with service.db.session() as s:
        row = get_document(s, tenant.id, document_id)
        if row.kind != "transcript":
            raise ApiError(422, f"media_url is for transcripts; document {document_id!r} is a {row.kind}.",
                           "not_a_transcript")
        set_media_url(row, url)
        s.add(row)
        s.commit()
        s.refresh(row)
        return document_out(row, document_warnings(s, row), url)
