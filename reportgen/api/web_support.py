"""/v1/web: what the web page needs beyond the public API, kept apart so the core routes stay lean.

The upload page shows which engine and model will run and each SOP's sections with their
instructions; the review page needs each field's type, enum values and rubric bands to offer
the right editor; the history page wants, per report, the source names and the verification
numbers without fetching every report's JSON one by one. All of it is scoped to the tenant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from reportgen.api.auth import current_tenant
from reportgen.api.schemas import ErrorBody, JobState, ts
from reportgen.api.service import Service, get_service
from reportgen.store.tables import DocumentRow, Tenant

router = APIRouter(prefix="/v1/web", tags=["web"])
ERRORS = {401: {"model": ErrorBody}}


class EngineInfo(BaseModel):
    default: str = Field(examples=["local"])
    available: list[str] = Field(examples=[["local"]])
    model: str | None = Field(None, description="The llm engine's model; None when no LLM is configured.")
    endpoint: str | None = Field(None, description="The OpenAI-compatible endpoint's host, when one is set.")
    max_upload_bytes: int
    max_file_bytes: int


class HistoryRow(BaseModel):
    id: str
    state: JobState
    sop: str
    sop_name: str
    engine: str
    model: str | None = None
    documents: list[str] = Field(default_factory=list, description="Source file names.")
    batch_id: str | None = None
    room: str | None = None
    revision: int
    progress: str | None = None
    error: str | None = None
    verification: dict[str, Any] | None = None
    created_at: datetime


def engine_info(service: Service) -> EngineInfo:
    from urllib.parse import urlsplit

    from reportgen.config import Settings, default_engine
    from reportgen.ingest import DEFAULT_LIMITS

    settings = Settings.from_env()
    llm = settings.llm_configured
    host = urlsplit(settings.openai_base_url).netloc if settings.openai_base_url else None
    return EngineInfo(
        default=default_engine(), available=["local", "llm"] if llm else ["local"],
        model=settings.model if llm else None, endpoint=host or ("api.openai.com" if llm else None),
        max_upload_bytes=service.settings.max_upload_bytes, max_file_bytes=DEFAULT_LIMITS.max_file_bytes,
    )


@router.get("/info", response_model=EngineInfo, responses=ERRORS,
            summary="The engine and model new reports use, and the upload limits")
def info(_: Tenant = Depends(current_tenant), service: Service = Depends(get_service)) -> EngineInfo:
    return engine_info(service)


@router.get("/sops", responses=ERRORS, summary="Every SOP in full: sections, instructions, fields, criteria, rubrics")
def sops(_: Tenant = Depends(current_tenant)) -> list[dict[str, Any]]:
    from reportgen.sop import find_sops

    return [s.model_dump(mode="json") for s in find_sops().values()]


@router.get("/reports", response_model=list[HistoryRow], responses=ERRORS,
            summary="Report history, newest first, with source names and verification numbers")
def history(
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9),
    batch_id: str | None = Query(None, max_length=64, description="Only the reports of this batch, by room."),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> list[HistoryRow]:
    from sqlmodel import col, select

    from reportgen.models import Report
    from reportgen.sop import find_sops
    from reportgen.store.reports import get_batch, latest_progress, list_reports

    names = {k: v.name for k, v in find_sops().items()}
    out: list[HistoryRow] = []
    with service.db.session() as s:
        if batch_id is None:
            rows = list_reports(s, tenant.id, limit=limit, offset=offset)
        else:
            rows = get_batch(s, tenant.id, batch_id)[1][offset:offset + limit]
        doc_ids = {d for r, _ in rows for d in r.document_ids}
        files = dict(s.exec(select(DocumentRow.id, DocumentRow.filename).where(
            DocumentRow.tenant_id == tenant.id, col(DocumentRow.id).in_(doc_ids))).all()) if doc_ids else {}
        for rep, job in rows:
            report = Report.model_validate(rep.data) if rep.data else None
            ev, _ = latest_progress(s, rep.id) if job.state in ("queued", "running") else (None, None)
            out.append(HistoryRow(
                id=rep.id, state=job.state, sop=rep.sop_id,
                sop_name=(report.sop_name if report else "") or names.get(rep.sop_id, rep.sop_id),
                engine=rep.engine, model=report.model if report else None,
                documents=[files.get(d, d) for d in rep.document_ids], batch_id=rep.batch_id, room=rep.room,
                revision=rep.revision, progress=ev.message if ev else None,
                error=job.error if job.state == "failed" else None,
                verification=report.verification() if report else None, created_at=ts(rep.created_at),
            ))
    return out
