"""/v1/batches: many data rooms in one call, one report per room, one zip of all results.

Rooms come either from a zip with a folder per company (`POST /v1/batches/upload`) or from
lists of already uploaded document ids (`POST /v1/batches`). Each room is its own report
and job, so one room failing (nothing readable in its folder, an engine error) leaves the
others untouched; the batch's state says `partial` and each failed room says why.
"""

from __future__ import annotations

import json
import posixpath
import tempfile
import zipfile
from collections import defaultdict

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.exc import IntegrityError

from reportgen.api import matrix
from reportgen.api.auth import current_tenant
from reportgen.api.documents import save_parsed
from reportgen.api.errors import ApiError
from reportgen.api.idempotency import IdempotencyKey, fingerprint, remember, replay
from reportgen.api.outputs import FORMATS, Format, rendered_blob, safe_name
from reportgen.api.reports import resolve_sop_and_engine
from reportgen.api.schemas import BatchCreate, BatchReport, BatchStatus, Engine, ReportOptions, error_responses, ts
from reportgen.api.service import Service, get_service
from reportgen.api.uploads import Upload, parse_upload
from reportgen.ingest import DEFAULT_LIMITS
from reportgen.sop import find_sops
from reportgen.store.blobs import hash_source, iter_blob
from reportgen.store.documents import check_documents_exist
from reportgen.store.reports import create_batch, create_report, get_batch, list_batches, report_model
from reportgen.store.tables import BatchRow, Job, ReportRow, Tenant

router = APIRouter(prefix="/v1/batches", tags=["batches"])
ERRORS = error_responses(401, 404, 409, 413, 415, 422)
router.include_router(matrix.router)  # /v1/batches/{id}/matrix(.csv|.xlsx): one section across the rooms


def _sop_name(sop_id: str) -> str:
    """The name people know the SOP by (the batches table showed its raw id); '' once it is gone."""
    sop = find_sops().get(sop_id)
    return sop.name if sop else ""


def batch_out(batch: BatchRow, rows: list[tuple[ReportRow, Job]]) -> BatchStatus:
    counts = {k: 0 for k in ("queued", "running", "succeeded", "failed")}
    for _, job in rows:
        counts[job.state] = counts.get(job.state, 0) + 1
    total = len(rows)
    if counts["succeeded"] == total:
        state = "succeeded"
    elif counts["failed"] == total:
        state = "failed"
    elif counts["queued"] + counts["running"] == 0:
        state = "partial"
    elif counts["queued"] == total:
        state = "queued"
    else:
        state = "running"
    return BatchStatus(
        id=batch.id, state=state, sop=batch.sop_id, sop_name=_sop_name(batch.sop_id), engine=batch.engine,
        counts={**counts, "total": total},
        reports=[BatchReport(room=r.room, report_id=r.id, state=j.state, error=j.error if j.state == "failed" else None,
                             document_ids=r.document_ids) for r, j in rows],
        links={"self": f"/v1/batches/{batch.id}", "matrix": f"/v1/batches/{batch.id}/matrix",
               **{f: f"/v1/batches/{batch.id}/download?format={f}" for f in FORMATS}},
        created_at=ts(batch.created_at),
    )


def rooms_of(upload: Upload) -> tuple[dict[str, list], dict[str, list[str]]]:
    """Group a zip's documents by company folder: the first path part, under one shared wrapper folder if any."""
    paths = [p.document.filename for p in upload.parsed] + [path for path, _ in upload.skipped]
    tops = {p.split("/", 1)[0] for p in paths}
    wrapped = len(tops) == 1 and all(p.count("/") >= 2 for p in paths)
    root = posixpath.splitext(posixpath.basename(upload.filename))[0] or "documents"

    def room(path: str) -> str:
        parts = path.split("/")[1:] if wrapped else path.split("/")
        return parts[0] if len(parts) > 1 else root

    docs: dict[str, list] = defaultdict(list)
    for p in upload.parsed:
        docs[room(p.document.filename)].append(p)
    skipped: dict[str, list[str]] = defaultdict(list)
    for path, why in upload.skipped:
        skipped[room(path)].append(f"{path}: {why}")
    return docs, skipped


def _commit_batch(service: Service, tenant: Tenant, s, key, fp, batch, jobs: list[Job]):  # noqa: ANN001, ANN202
    s.flush()
    out = batch_out(*get_batch(s, tenant.id, batch.id))
    remember(s, tenant.id, key, fp, 202, out)
    try:
        s.commit()
    except IntegrityError:
        s.rollback()
        if (cached := replay(s, tenant.id, key, fp)) is not None:
            return cached
        raise
    for job in jobs:
        if job.state == "queued":
            service.dispatcher.submit(job.id)
    return out


@router.post("", status_code=202, response_model=BatchStatus, responses=ERRORS, operation_id="create_batch",
             summary="Start one report per room, each room a list of uploaded document ids")
def create(
    body: BatchCreate, request: Request, idempotency_key: str | None = IdempotencyKey,
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> BatchStatus | JSONResponse:
    fp = fingerprint("POST", request.url.path, body.model_dump())
    names = [r.name for r in body.rooms]
    if len(set(names)) != len(names):
        raise ApiError(422, "room names must be unique within a batch.", "duplicate_room")
    with service.db.session() as s:
        if (cached := replay(s, tenant.id, idempotency_key, fp)) is not None:
            return cached
        sop, engine = resolve_sop_and_engine(body.sop, body.engine)
        for room in body.rooms:
            check_documents_exist(s, tenant.id, room.document_ids)
        batch = create_batch(s, tenant.id, sop_id=sop, engine=engine)
        jobs = [create_report(s, tenant.id, sop_id=sop, document_ids=list(dict.fromkeys(r.document_ids)),
                              engine=engine, options=body.options.model_dump(exclude_none=True),
                              max_attempts=service.settings.max_attempts, batch_id=batch.id, room=r.name)[1]
                for r in body.rooms]
        return _commit_batch(service, tenant, s, idempotency_key, fp, batch, jobs)


@router.post("/upload", status_code=202, response_model=BatchStatus, responses=ERRORS, operation_id="upload_batch",
             summary="Upload a zip with a folder per company; one report per folder")
def upload(
    request: Request,
    file: UploadFile = File(..., description="A zip: acme/..., globex/..., one folder per data room."),
    sop: str = Form(..., min_length=1, max_length=200),
    engine: Engine | None = Form(None),
    meeting_date: str | None = Form(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
    password: str | None = Form(None, description="Password of encrypted PDFs in the zip."),
    ocr: bool = Form(False, description="Recognise PDF pages that have no text layer (scans) with tesseract-ocr."),
    idempotency_key: str | None = IdempotencyKey,
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> BatchStatus | JSONResponse:
    fp = fingerprint("POST", request.url.path, [hash_source(file.file), sop, engine, meeting_date, password or ""]
                     + (["ocr"] if ocr else []))
    with service.db.session() as s:
        if (cached := replay(s, tenant.id, idempotency_key, fp)) is not None:
            return cached
    sop, engine_name = resolve_sop_and_engine(sop, engine)
    options = ReportOptions(meeting_date=meeting_date).model_dump(exclude_none=True)
    up = parse_upload(service.db, file.file, file.filename or "batch.zip", password=password, limits=DEFAULT_LIMITS,
                      ocr=ocr)
    docs, skipped = rooms_of(up)
    with service.db.session() as s:
        batch = create_batch(s, tenant.id, sop_id=sop, engine=engine_name)
        jobs = []
        for name in sorted(set(docs) | set(skipped)):
            rows = save_parsed(s, tenant, docs.get(name, []))
            failed = None
            if not rows:
                failed = (f"nothing in folder {name!r} could be read: " + "; ".join(skipped[name][:10]) +
                          ". Fix or replace those files and upload this room again.")
            jobs.append(create_report(s, tenant.id, sop_id=sop, document_ids=[r.id for r in rows], engine=engine_name,
                                      options=options, max_attempts=service.settings.max_attempts,
                                      batch_id=batch.id, room=name, failed=failed)[1])
        return _commit_batch(service, tenant, s, idempotency_key, fp, batch, jobs)


@router.get("", response_model=list[BatchStatus], responses=ERRORS,
            operation_id="list_batches", summary="List your batches, newest first")
def list_all(
    limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0, le=10**9),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> list[BatchStatus]:
    with service.db.session() as s:
        return [batch_out(*get_batch(s, tenant.id, b.id)) for b in list_batches(s, tenant.id, limit=limit,
                                                                                  offset=offset)]


@router.get("/{batch_id}", response_model=BatchStatus, responses=ERRORS, operation_id="get_batch_status",
            summary="Aggregate status: counts by state, each room's report and error")
def status(batch_id: str, tenant: Tenant = Depends(current_tenant),
           service: Service = Depends(get_service)) -> BatchStatus:
    with service.db.session() as s:
        return batch_out(*get_batch(s, tenant.id, batch_id))


@router.get("/{batch_id}/download", responses={**ERRORS, 200: {"content": {"application/zip": {}}}},
            operation_id="download_batch",
            summary="All finished reports as one zip (room.format), with manifest.json listing every room")
def download(
    batch_id: str, format: Format = Query("pdf"),  # noqa: A002
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> StreamingResponse:
    with service.db.session() as s:
        batch, rows = get_batch(s, tenant.id, batch_id)
        status_now = batch_out(batch, rows)
    if not any(j.state == "succeeded" for _, j in rows):
        raise ApiError(409, f"no report of batch {batch_id} has finished yet ({status_now.state}); "
                            "poll GET /v1/batches/{id} until some have.", "not_ready")
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned as the stream
    used: set[str] = set()
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as zf:
        for rep, job in rows:
            report = report_model(rep) if job.state == "succeeded" else None
            if report is None:
                continue
            name = safe_name(rep.room or rep.id)
            while name in used:
                name += "_"
            used.add(name)
            sha = rendered_blob(service.db, rep, report, format, pdf_engine=service.settings.pdf_engine)
            with zf.open(f"{name}.{format}", "w") as out:
                for chunk in iter_blob(service.db, sha):
                    out.write(chunk)
        zf.writestr("manifest.json", json.dumps(status_now.model_dump(mode="json"), indent=2))
    spool.seek(0)

    def stream():  # noqa: ANN202
        with spool:
            while chunk := spool.read(1024 * 1024):
                yield chunk

    return StreamingResponse(stream(), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{batch_id}-{format}.zip"'})


