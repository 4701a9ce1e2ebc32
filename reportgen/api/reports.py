"""/v1/reports: create (202 + job), status and progress, result, SSE events, downloads, edits, feedback."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Route

from reportgen.api.auth import bearer, current_tenant
from reportgen.api.errors import ApiError
from reportgen.api.etags import etag_matches, status_etag
from reportgen.api.events import EventStreamResponse, event_stream, openapi_responses, stage_of
from reportgen.api.evidence import EvidenceFlag, check_evidence_format, evidence_response
from reportgen.api.history import add_summaries, batch_statuses
from reportgen.api.idempotency import IdempotencyKey, fingerprint, remember, replay
from reportgen.api.outputs import FORMATS, DownloadsOut, Format, rendered_blob, safe_name
from reportgen.api.schemas import (
    FeedbackCreate,
    FeedbackOut,
    ItemPatch,
    JobOut,
    LlmCallOut,
    Progress,
    ReportCreate,
    ReportStatus,
    error_responses,
    ts,
)
from reportgen.api.service import Service, get_service
from reportgen.config import default_engine, llm_configured
from reportgen.events import Stage
from reportgen.jobs.claims import PARTIAL
from reportgen.jobs.prerender import download_state, schedule
from reportgen.jobs.status_cache import STATUS_CACHE
from reportgen.models import Item, Report
from reportgen.sop import find_sops
from reportgen.store.blobs import iter_blob
from reportgen.store.documents import check_documents_exist
from reportgen.store.reports import (
    StatusRow,
    add_feedback,
    create_report,
    get_report,
    list_feedback,
    report_model,
    report_statuses,
    save_report_data,
    status_row,
)
from reportgen.store.tables import Job, LlmCall, ReportRow, Tenant
from reportgen.validate.fields import field_problems

router = APIRouter(prefix="/v1/reports", tags=["reports"])
ERRORS = error_responses(401, 404, 409, 422)


def resolve_sop_and_engine(sop: str, engine: str | None) -> tuple[str, str]:
    """Only SOP ids are accepted here (never paths: a path would read the server's files)."""
    found = find_sops()
    if sop not in found:
        raise ApiError(422, f"unknown SOP {sop!r}. Available: {', '.join(sorted(found))} (GET /v1/sops).",
                       "unknown_sop")
    if engine == "llm" and not llm_configured():
        raise ApiError(422, "the llm engine is not configured on this server (no OPENAI_API_KEY or "
                            "OPENAI_BASE_URL): use engine `local`, or ask the operator to configure an LLM.",
                       "llm_not_configured")
    return sop, engine or default_engine()


def edit_problems(sop_id: str, section_id: str, fields: dict, patch: dict) -> list[str]:
    """What is wrong with a human edit's values by the SOP's own rules (an enum's values, a rating's bands),
    so an edit cannot store `severity: catastrophic` unflagged. Only the edited fields are judged: a
    problem the engine left elsewhere in the item is already flagged on it."""
    sop = find_sops().get(sop_id)
    spec = next((sec for sec in sop.sections if sec.id == section_id), None) if sop else None
    if spec is None:
        return []  # the SOP (or this section) is gone since the report was made: nothing to judge against
    merged = {**fields, **patch}
    judged = ("invalid-enum", "invalid-rating", "invalid-value")
    if spec.kind == "scorecard":
        return [msg for code, msg in field_problems(spec, merged, None) if code in judged]
    return [msg for code, msg in field_problems(spec, merged, None)
            if code in judged and any(msg.startswith((f"'{name}'", f"'{name}[")) for name in patch)]


def status_out(row: StatusRow) -> ReportStatus:
    rid = row.id
    return ReportStatus(
        id=rid, state=row.state, sop=row.sop_id, engine=row.engine, document_ids=row.document_ids,
        batch_id=row.batch_id, room=row.room, revision=row.revision,
        progress=Progress(stage=stage_of(row.stage), message=row.message, done=row.done, total=row.total)
        if row.stage else Progress(stage=Stage.QUEUED, message="waiting for a worker"),
        error=row.error if row.state == "failed" else None,
        partial=row.state == "succeeded" and (row.message or "").startswith(PARTIAL),
        job=JobOut(id=row.job_id, state=row.state, attempts=row.attempts, error=row.error,
                   created_at=ts(row.job_created_at), started_at=ts(row.started_at), finished_at=ts(row.finished_at)),
        links={
            "self": f"/v1/reports/{rid}", "result": f"/v1/reports/{rid}/result", "events": f"/v1/reports/{rid}/events",
            **{f: f"/v1/reports/{rid}.{f}" for f in FORMATS},
        },
        created_at=ts(row.created_at),
    )


def ready_report(rep: ReportRow, job: Job) -> Report:
    report = report_model(rep)
    if report is None:
        if job.state == "failed":
            raise ApiError(409, f"report {rep.id} failed: {job.error}", "report_failed")
        raise ApiError(409, f"report {rep.id} is not ready yet ({job.state}). Poll GET /v1/reports/{rep.id} "
                            "or follow its events.", "not_ready")
    return report


def download_response(service: Service, tenant: Tenant, report_id: str, fmt: str,
                      evidence: bool = False) -> Response:
    with service.db.session() as s:
        rep, job = get_report(s, tenant.id, report_id)
        report = ready_report(rep, job)
    check_evidence_format(fmt, evidence)  # evidence pack hook (reportgen/api/evidence.py)
    sha = rendered_blob(service.db, rep, report, fmt, pdf_engine=service.settings.pdf_engine)
    name = safe_name(f"{rep.room or report.sop_id}-{rep.id}") + f".{fmt}"
    if evidence:  # evidence pack hook
        return evidence_response(service.db, tenant.id, report, sha, name)
    return StreamingResponse(iter_blob(service.db, sha), media_type=FORMATS[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("", status_code=202, response_model=ReportStatus, responses=ERRORS, operation_id="create_report",
             summary="Start a report: 202 with the job; poll the status or follow the events")
def create(
    body: ReportCreate,
    request: Request,
    idempotency_key: str | None = IdempotencyKey,
    tenant: Tenant = Depends(current_tenant),
    service: Service = Depends(get_service),
) -> ReportStatus | JSONResponse:
    fp = fingerprint("POST", request.url.path, body.model_dump())
    with service.db.session() as s:
        if (cached := replay(s, tenant.id, idempotency_key, fp)) is not None:
            return cached
        sop, engine = resolve_sop_and_engine(body.sop, body.engine)
        doc_ids = list(dict.fromkeys(body.document_ids))
        check_documents_exist(s, tenant.id, doc_ids)
        rep, job = create_report(s, tenant.id, sop_id=sop, document_ids=doc_ids, engine=engine,
                                 options=body.options.model_dump(exclude_none=True),
                                 max_attempts=service.settings.max_attempts)
        out = status_out(status_row(rep, job))
        remember(s, tenant.id, idempotency_key, fp, 202, out)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            if (cached := replay(s, tenant.id, idempotency_key, fp)) is not None:
                return cached
            raise
    service.dispatcher.submit(job.id)
    return out


@router.get("", response_model=list[ReportStatus], responses=ERRORS, operation_id="list_reports",
            summary="List your reports, newest first (or one batch's, by room)")
def list_all(
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9),
    batch_id: str | None = Query(None, max_length=64, description="Only this batch's reports, by room."),
    summary: bool = Query(False, description="Add each report's `summary`: SOP name, source names, model and, "
                                             "once finished, verification numbers."),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> list[ReportStatus]:
    with service.db.session() as s:
        if batch_id is None:
            rows = report_statuses(s, tenant.id, limit=limit, offset=offset)
        else:
            rows = batch_statuses(s, tenant.id, batch_id, limit=limit, offset=offset)
        out = [status_out(row) for row in rows]
        if summary:
            add_summaries(s, tenant.id, out)
    return out


@router.get("/{report_id}.{fmt}", responses={**ERRORS, 200: {"content": {m: {} for m in FORMATS.values()}}},
            operation_id="download_report_file",
            summary="Download the report as pdf, docx, html, md or json")
def download_by_suffix(
    report_id: str, fmt: Format, evidence: bool = EvidenceFlag, tenant: Tenant = Depends(current_tenant),
    service: Service = Depends(get_service),
) -> Response:
    return download_response(service, tenant, report_id, fmt, evidence)


async def _status_response(report_id: str, request: Request, tenant: Tenant, service: Service) -> Response:
    """The status as bytes, from memory when this process built it within the last second.

    A poll inside `REPORTGEN_STATUS_CACHE_SECONDS` of the last one that read the row gets that body
    (or a 304) with no query and no thread hop (`reportgen/jobs/status_cache.py` says how staleness is
    bounded). Otherwise the one query runs in a worker thread, so a database slow to answer cannot
    stall the event loop. The body is serialised once, here, and sent as bytes: FastAPI neither
    validates nor serialises a response model per poll. The ETag is a hash of the row the status is
    built from, so a poller that sends it back while nothing changed gets a bodiless 304.
    """
    scope = id(service)
    hit = STATUS_CACHE.get(scope, tenant.id, report_id)
    if hit is None:
        def query() -> StatusRow:
            with service.db.engine.connect() as conn:
                return report_statuses(conn, tenant.id, report_id=report_id)[0]

        row = await anyio.to_thread.run_sync(query)
        tag, body = status_etag(row), status_out(row).model_dump_json(by_alias=True).encode()
        STATUS_CACHE.put(scope, tenant.id, report_id, tag, body)
    else:
        tag, body = hit.tag, hit.body
    # caches may keep it, but must ask (cheaply, with the tag)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def _status_lean(request: Request) -> Response:
    """GET /v1/reports/{id} as a plain Starlette route: the same key check (`current_tenant`, called
    directly) and the same answer as the documented route below, without FastAPI's per-request dependency
    solving and route matching, which were over half of a poll's CPU once the status came from memory.
    It answers every GET of a report's status; the FastAPI route below stays for the OpenAPI document."""
    service: Service = request.app.state.service
    tenant = await current_tenant(await bearer(request), service)
    return await _status_response(request.path_params["report_id"], request, tenant, service)


class _ReportId(Convertor[str]):
    """A report id in a path: no dot, so "/v1/reports/rep_1.pdf" is left to the download route."""

    regex = "[^/.]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("report_id", _ReportId())
# The app puts this first among its routes (reportgen/api/app.py): matched before any other, it skips
# FastAPI's walk over the documents and reports routes too.
LEAN_STATUS_ROUTE = Route("/v1/reports/{report_id:report_id}", _status_lean, methods=["GET"], include_in_schema=False)


@router.get("/{report_id}", response_model=ReportStatus, responses={**ERRORS, 304: {"description": "Not Modified: "
            "the status is the one the If-None-Match ETag names"}},
            operation_id="get_report_status", summary="Status, progress and links (ETag; If-None-Match -> 304)")
async def status(report_id: str, request: Request, tenant: Tenant = Depends(current_tenant),
                 service: Service = Depends(get_service)) -> Response:
    """Status, progress and links; answered by `_status_lean` in the running app (this declaration documents
    it, with the same behaviour)."""
    return await _status_response(report_id, request, tenant, service)


@router.get("/{report_id}/result", response_model=Report, responses=ERRORS, operation_id="get_report_result",
            summary="The finished report as JSON (409 while it runs or if it failed)")
def result(report_id: str, tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service)) -> Report:
    with service.db.session() as s:
        rep, job = get_report(s, tenant.id, report_id)
        return ready_report(rep, job)


@router.get("/{report_id}/download", responses={**ERRORS, 200: {"content": {m: {} for m in FORMATS.values()}}},
            operation_id="download_report",
            summary="Download the report in a format")
def download(
    report_id: str, format: Format = Query("pdf"), tenant: Tenant = Depends(current_tenant),  # noqa: A002
    service: Service = Depends(get_service), evidence: bool = EvidenceFlag,
) -> Response:
    return download_response(service, tenant, report_id, format, evidence)


@router.get("/{report_id}/downloads", response_model=DownloadsOut, responses=ERRORS,
            operation_id="get_report_downloads",
            summary="Which downloads are ready: the PDF and DOCX are rendered in the background per revision")
def downloads(report_id: str, tenant: Tenant = Depends(current_tenant),
              service: Service = Depends(get_service)) -> DownloadsOut:
    with service.db.session() as s:
        rep, job = get_report(s, tenant.id, report_id)
        if rep.data is None:
            ready_report(rep, job)  # 409: not ready yet, or failed
    return DownloadsOut(revision=rep.revision,
                        formats=download_state(service.db, rep, pdf_engine=service.settings.pdf_engine))


@router.get("/{report_id}/events", response_class=EventStreamResponse,
            responses=openapi_responses({401: "Unauthorized", 404: "Not Found", 422: "Unprocessable Entity"}),
            operation_id="follow_report_events",
            summary="Progress as Server-Sent Events; reconnect with Last-Event-ID to resume")
async def events(
    report_id: str,
    request: Request,
    last_event_id: str | None = Header(None, alias="Last-Event-ID"),
    after: int | None = Query(None, ge=0, le=2**62, description="Resume after this event id (for EventSource "
                                                                   "clients that cannot set headers)."),
    tenant: Tenant = Depends(current_tenant),
    service: Service = Depends(get_service),
) -> EventStreamResponse:
    def check() -> None:
        with service.db.session() as s:
            get_report(s, tenant.id, report_id)

    await anyio.to_thread.run_sync(check)
    start = after or 0
    if last_event_id and last_event_id.strip().isdigit():
        start = max(start, int(last_event_id.strip()))
    return EventStreamResponse(event_stream(service, tenant.id, report_id, start, request),
                               headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.patch("/{report_id}/items/{item_id}", response_model=Item, responses=ERRORS, operation_id="update_report_item",
              summary="Edit an item: new field values keep the citations and mark it edited")
def patch_item(
    report_id: str, item_id: str, body: ItemPatch,
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> Item:
    with service.db.session() as s:
        rep, job = get_report(s, tenant.id, report_id)
        report = ready_report(rep, job)
        found = next(((sec.id, i) for sec in report.sections for i in sec.items if i.id == item_id), None)
        if found is None:
            raise ApiError(404, f"item {item_id!r} not found in report {report_id}.")
        section_id, item = found
        if body.fields:
            unknown = [k for k in body.fields if k not in item.fields]
            if unknown:
                raise ApiError(422, f"unknown field(s) {', '.join(map(repr, unknown))} for this item; its fields "
                                    f"are {', '.join(item.fields) or '(none)'}.", "unknown_field")
            if problems := edit_problems(report.sop_id, section_id, item.fields, body.fields):
                raise ApiError(422, "; ".join(problems) + ". Send one of the allowed values (GET /v1/sops/"
                                    f"{report.sop_id} lists each field's values).", "invalid_field_value")
            item.fields.update(body.fields)
            item.edited = True
        if body.review is not None:
            item.review = body.review
        save_report_data(s, rep, report)
    STATUS_CACHE.invalidate(report_id)  # the new revision shows on the next poll
    schedule(service.db, report_id, rep.revision, pdf_engine=service.settings.pdf_engine)  # the new revision's files
    return item


@router.post("/{report_id}/feedback", status_code=201, response_model=FeedbackOut, responses=ERRORS,
             operation_id="create_report_feedback",
             summary="Feedback on a section: up or down, why, and what it should have said")
def post_feedback(
    report_id: str, body: FeedbackCreate, request: Request,
    idempotency_key: str | None = IdempotencyKey,
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> FeedbackOut | JSONResponse:
    fp = fingerprint("POST", request.url.path, body.model_dump())
    with service.db.session() as s:
        if (cached := replay(s, tenant.id, idempotency_key, fp)) is not None:
            return cached
        rep, job = get_report(s, tenant.id, report_id)
        report = ready_report(rep, job)
        if body.section_id not in {sec.id for sec in report.sections}:
            raise ApiError(422, f"section {body.section_id!r} is not in this report; its sections are "
                                f"{', '.join(sec.id for sec in report.sections)}.", "unknown_section")
        fb = add_feedback(s, tenant.id, report_id, section_id=body.section_id, vote=body.vote, reason=body.reason,
                          edits=body.edits)
        out = FeedbackOut(id=fb.id, report_id=report_id, section_id=fb.section_id, vote=fb.vote, reason=fb.reason,
                          edits=fb.edits, created_at=ts(fb.created_at))
        remember(s, tenant.id, idempotency_key, fp, 201, out)
        s.commit()
        return out


@router.get("/{report_id}/feedback", response_model=list[FeedbackOut], responses=ERRORS,
            operation_id="list_report_feedback",
            summary="Feedback given on this report")
def get_feedback(report_id: str, tenant: Tenant = Depends(current_tenant),
                 service: Service = Depends(get_service)) -> list[FeedbackOut]:
    with service.db.session() as s:
        get_report(s, tenant.id, report_id)
        return [FeedbackOut(id=f.id, report_id=f.report_id, section_id=f.section_id, vote=f.vote, reason=f.reason,
                            edits=f.edits, created_at=ts(f.created_at)) for f in list_feedback(s, tenant.id, report_id)]


@router.get("/{report_id}/llm-calls", response_model=list[LlmCallOut], responses=ERRORS,
            operation_id="list_report_llm_calls",
            summary="Every LLM call made for this report: prompt, response, tokens, cost, latency")
def llm_calls(report_id: str, tenant: Tenant = Depends(current_tenant),
              service: Service = Depends(get_service)) -> list[LlmCallOut]:
    with service.db.session() as s:
        get_report(s, tenant.id, report_id)
        rows = s.exec(select(LlmCall).where(LlmCall.report_id == report_id, LlmCall.tenant_id == tenant.id)
                      .order_by(col(LlmCall.id))).all()
        return [LlmCallOut.model_validate(r, from_attributes=True) for r in rows]

