"""What a list of reports shows beside each status: SOP name, source names, model, verification.

Kept out of the status itself because it costs what a status poll must not: a query for the
documents' names and, for finished reports, reading and validating the report's JSON. Clients
ask for it with `GET /v1/reports?summary=true` (the history and batch pages do).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from reportgen.api.schemas import ReportStatus, ReportSummary, Verification
from reportgen.models import Report
from reportgen.sop import find_sops
from reportgen.store.reports import StatusRow, get_batch, report_statuses
from reportgen.store.tables import DocumentRow, ReportRow


def batch_statuses(s: Session, tenant_id: str, batch_id: str, *, limit: int, offset: int) -> list[StatusRow]:
    """The batch's reports by room, each with the same status (and progress) a single poll shows."""
    _, rows = get_batch(s, tenant_id, batch_id)
    return [report_statuses(s, tenant_id, report_id=rep.id)[0] for rep, _ in rows[offset:offset + limit]]


def add_summaries(s: Session, tenant_id: str, statuses: list[ReportStatus]) -> None:
    """Fill in each status's `summary` with three queries in all, whatever the number of reports."""
    if not statuses:
        return
    names = {k: v.name for k, v in find_sops().items()}
    doc_ids = {d for st in statuses for d in st.document_ids}
    files = dict(s.exec(select(DocumentRow.id, DocumentRow.filename).where(
        DocumentRow.tenant_id == tenant_id, col(DocumentRow.id).in_(doc_ids))).all()) if doc_ids else {}
    done = [st.id for st in statuses if st.state == "succeeded"]
    data = dict(s.exec(select(ReportRow.id, ReportRow.data).where(
        ReportRow.tenant_id == tenant_id, col(ReportRow.id).in_(done))).all()) if done else {}
    for st in statuses:
        raw = data.get(st.id)
        report = Report.model_validate(raw) if raw is not None else None
        st.summary = ReportSummary(
            sop_name=(report.sop_name if report else "") or names.get(st.sop, st.sop),
            sources=[files.get(d, d) for d in st.document_ids],
            model=report.model if report else None,
            verification=Verification.model_validate(report.verification()) if report else None,
        )
