"""Reviewed reports from the service's store, per tenant and SOP: what `reportgen gold export
--from-reviews` and `GET /v1/reviews/gold` read.

A report's review date is its row's `updated_at`: every accept, reject or edit saves the
report (and bumps its revision), so that is when it was last reviewed. Items keep no time of
their own, so a report reviewed over several days counts on its last day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from reportgen.errors import ReportgenError
from reportgen.evals.reviews import ReviewedReport, is_reviewed
from reportgen.models import Report
from reportgen.store.documents import NotFoundError, load_documents
from reportgen.store.tables import Job, ReportRow, Tenant


def tenant_id_by_name(s: Session, name: str) -> str:
    tenant = s.exec(select(Tenant).where(Tenant.name == name)).first()
    if tenant is None:
        known = ", ".join(s.exec(select(Tenant.name).order_by(col(Tenant.name))).all()) or "none"
        raise ReportgenError(f"no tenant {name!r} in this database (tenants: {known}). Reports made without a key "
                             "belong to `local`.")
    return tenant.id


def reviewed_reports(s: Session, tenant_id: str, sop_id: str) -> tuple[list[ReviewedReport], list[str]]:
    """The tenant's finished reports of this SOP with at least one judged item, oldest first, and a note
    for each reviewed report left out (its sources were deleted)."""
    q = (select(ReportRow, Job)
         .where(ReportRow.tenant_id == tenant_id, ReportRow.sop_id == sop_id, Job.report_id == ReportRow.id)
         .order_by(col(ReportRow.created_at), col(ReportRow.id)))
    out: list[ReviewedReport] = []
    skipped: list[str] = []
    for rep, job in s.exec(q).all():
        if rep.data is None:
            continue
        report = Report.model_validate(rep.data)
        if not is_reviewed(report):
            continue
        try:
            docs = load_documents(s, tenant_id, rep.document_ids)
        except NotFoundError:
            skipped.append(f"report {rep.id}: a source is no longer stored")
            continue
        said = (job.inputs.get("options") or {}).get("meeting_date")
        when = date.fromisoformat(str(said)) if said else None
        out.append(ReviewedReport(report, {d.id: d for d in docs},
                                  datetime.fromtimestamp(rep.updated_at, UTC).date(), when,
                                  label=rep.room))
    return out, skipped
