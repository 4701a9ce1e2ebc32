"""Reports, their jobs, progress events, feedback and batches: the rows the API reads.

A report is created together with its job in one transaction, so there is never a report
nobody will run nor a job without its report. The report's JSON (`data`) is written once
by the job that finishes it (see `reportgen.jobs.claims.finish_job`) and then only by
human edits, which bump `revision`.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, func, select

from reportgen.extract.base import Event
from reportgen.models import Report, new_id
from reportgen.store.documents import NotFoundError
from reportgen.store.tables import BatchRow, EventRow, Feedback, Job, ReportRow, now

TERMINAL = ("succeeded", "failed")


def create_report(
    s: Session,
    tenant_id: str,
    *,
    sop_id: str,
    document_ids: list[str],
    engine: str,
    options: dict[str, Any],
    max_attempts: int,
    batch_id: str | None = None,
    room: str | None = None,
    failed: str | None = None,
) -> tuple[ReportRow, Job]:
    """Add a report and its queued job (or, with `failed`, a job already failed for that reason)."""
    rep = ReportRow(
        id=new_id("rep"), tenant_id=tenant_id, batch_id=batch_id, room=room, sop_id=sop_id, engine=engine,
        document_ids=list(document_ids),
    )
    job = Job(
        id=new_id("job"), tenant_id=tenant_id, report_id=rep.id, max_attempts=max_attempts,
        inputs={"sop": sop_id, "document_ids": list(document_ids), "engine": engine, "options": options},
    )
    if failed:
        job.state, job.error, job.finished_at = "failed", failed, now()
    s.add(rep)
    s.flush()
    s.add(job)
    s.flush()
    if failed:
        s.add(EventRow(report_id=rep.id, tenant_id=tenant_id, stage="failed", message=failed))
    return rep, job


def get_report(s: Session, tenant_id: str, report_id: str) -> tuple[ReportRow, Job]:
    rep = s.get(ReportRow, report_id)
    if rep is None or rep.tenant_id != tenant_id:
        raise NotFoundError(f"report {report_id!r} not found. List yours with GET /v1/reports.")
    job = s.exec(select(Job).where(Job.report_id == report_id)).one()
    return rep, job


def list_reports(s: Session, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[tuple[ReportRow, Job]]:
    q = (
        select(ReportRow, Job)
        .where(ReportRow.tenant_id == tenant_id, Job.report_id == ReportRow.id)
        .order_by(ReportRow.created_at.desc(), ReportRow.id)
        .offset(offset)
        .limit(limit)
    )
    return [(r, j) for r, j in s.exec(q).all()]


def add_event(s: Session, report_id: str, tenant_id: str, attempt: int, ev: Event) -> None:
    s.add(
        EventRow(
            report_id=report_id, tenant_id=tenant_id, attempt=attempt, stage=ev.stage, message=ev.message,
            section_id=ev.section_id, done=ev.done, total=ev.total, data=_jsonable(ev.data),
        )
    )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data, default=str))


def events_after(s: Session, tenant_id: str, report_id: str, after: int = 0, limit: int = 500) -> list[EventRow]:
    q = (
        select(EventRow)
        .where(EventRow.report_id == report_id, EventRow.tenant_id == tenant_id, EventRow.id > after)
        .order_by(EventRow.id)
        .limit(limit)
    )
    return list(s.exec(q).all())


def latest_progress(s: Session, report_id: str) -> tuple[EventRow | None, EventRow | None]:
    """The latest event, and the latest one that counted sections (done of total)."""
    q = select(EventRow).where(EventRow.report_id == report_id).order_by(EventRow.id.desc()).limit(1)
    last = s.exec(q).first()
    counted = s.exec(q.where(EventRow.total.is_not(None))).first()
    return last, counted


def report_model(rep: ReportRow) -> Report | None:
    return Report.model_validate(rep.data) if rep.data is not None else None


def save_report_data(s: Session, rep: ReportRow, report: Report) -> None:
    """A human edit: store the new JSON and bump the revision (rendered files are per revision)."""
    rep.data = report.model_dump(mode="json")
    rep.revision += 1
    rep.updated_at = now()
    s.add(rep)
    s.commit()


def add_feedback(
    s: Session, tenant_id: str, report_id: str, *, section_id: str, vote: str, reason: str, edits: Any
) -> Feedback:
    fb = Feedback(
        id=new_id("fb"), tenant_id=tenant_id, report_id=report_id, section_id=section_id, vote=vote, reason=reason,
        edits=edits,
    )
    s.add(fb)
    s.commit()
    return fb


def list_feedback(s: Session, tenant_id: str, report_id: str) -> list[Feedback]:
    q = select(Feedback).where(Feedback.tenant_id == tenant_id, Feedback.report_id == report_id)
    return list(s.exec(q.order_by(Feedback.created_at)).all())


def create_batch(s: Session, tenant_id: str, *, sop_id: str, engine: str) -> BatchRow:
    batch = BatchRow(id=new_id("bat"), tenant_id=tenant_id, sop_id=sop_id, engine=engine)
    s.add(batch)
    s.flush()
    return batch


def get_batch(s: Session, tenant_id: str, batch_id: str) -> tuple[BatchRow, list[tuple[ReportRow, Job]]]:
    batch = s.get(BatchRow, batch_id)
    if batch is None or batch.tenant_id != tenant_id:
        raise NotFoundError(f"batch {batch_id!r} not found.")
    q = (
        select(ReportRow, Job)
        .where(ReportRow.batch_id == batch_id, Job.report_id == ReportRow.id)
        .order_by(ReportRow.room, ReportRow.id)
    )
    return batch, [(r, j) for r, j in s.exec(q).all()]


def list_batches(s: Session, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[BatchRow]:
    q = select(BatchRow).where(BatchRow.tenant_id == tenant_id).order_by(BatchRow.created_at.desc())
    return list(s.exec(q.offset(offset).limit(limit)).all())


def count_jobs(s: Session, state: str) -> int:
    return int(s.exec(select(func.count()).select_from(Job).where(Job.state == state)).one())
