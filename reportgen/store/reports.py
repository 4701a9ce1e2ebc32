"""Reports, their jobs, progress events, feedback and batches: the rows the API reads.

A report is created together with its job in one transaction, so there is never a report
nobody will run nor a job without its report. The report's JSON (`data`) is written once
by the job that finishes it (see `reportgen.jobs.claims.finish_job`) and then only by
human edits, which bump `revision`.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from sqlalchemy import Connection, FromClause, Select, bindparam, inspect
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, func, select

from reportgen.events import Event, Stage
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
        s.add(EventRow(report_id=rep.id, tenant_id=tenant_id, stage=Stage.FAILED, message=failed))
    return rep, job


def get_report(s: Session, tenant_id: str, report_id: str) -> tuple[ReportRow, Job]:
    rep = s.get(ReportRow, report_id)
    if rep is None or rep.tenant_id != tenant_id:
        raise NotFoundError(f"report {report_id!r} not found. List yours with GET /v1/reports.")
    job = s.exec(select(Job).where(Job.report_id == report_id)).one()
    return rep, job


class StatusRow(NamedTuple):
    """What a status poll shows of a report: its row without the report JSON, its job, its progress."""

    id: str
    sop_id: str
    engine: str
    document_ids: list[str]
    batch_id: str | None
    room: str | None
    revision: int
    created_at: float
    job_id: str
    state: str
    attempts: int
    error: str | None
    job_created_at: float
    started_at: float | None
    finished_at: float | None
    stage: str | None = None  # of the latest event; None before the first
    message: str | None = None
    done: int | None = None  # of the latest event that counted sections
    total: int | None = None


def status_row(rep: ReportRow, job: Job) -> StatusRow:
    """The status of a report just created (it has no events yet)."""
    return StatusRow(rep.id, rep.sop_id, rep.engine, list(rep.document_ids), rep.batch_id, rep.room, rep.revision,
                     rep.created_at, job.id, job.state, job.attempts, job.error, job.created_at, job.started_at,
                     job.finished_at)


def report_statuses(
    s: Session | Connection, tenant_id: str, *, report_id: str | None = None, limit: int = 100, offset: int = 0
) -> list[StatusRow]:
    """Reports (one, or a page newest first) with their job and progress, in one query.

    Status polls are the hottest path of the API, so this is one prepared Core statement over
    the columns a status shows: no report JSON, no job inputs, no ORM objects to build (and,
    given a bare Connection, no ORM session either).
    """
    conn = s.connection() if isinstance(s, Session) else s
    if report_id is not None:
        rows = conn.execute(_status_query(), {"tenant_id": tenant_id, "report_id": report_id}).all()
        if not rows:
            raise NotFoundError(f"report {report_id!r} not found. List yours with GET /v1/reports.")
    else:
        rows = conn.execute(_status_page_query(), {"tenant_id": tenant_id, "limit": limit, "offset": offset}).all()
    return [StatusRow(*row) for row in rows]


def _table(model: type[SQLModel]) -> FromClause:
    """A table model's Core table, through its mapper: SQLModel's stubs don't declare `__table__`."""
    return inspect(model).local_table


@functools.cache
def _status_base() -> Select:
    """Built once: making the statement costs more CPU than running it."""
    r, j, ev = _table(ReportRow), _table(Job), _table(EventRow)
    last, counted = ev.alias("last_event"), ev.alias("counted_event")
    latest = core_select(func.max(ev.c.id)).where(ev.c.report_id == r.c.id)
    return (
        # Core's select: SQLModel's overloads stop at four columns.
        core_select(r.c.id, r.c.sop_id, r.c.engine, r.c.document_ids, r.c.batch_id, r.c.room, r.c.revision,
                    r.c.created_at, j.c.id, j.c.state, j.c.attempts, j.c.error, j.c.created_at, j.c.started_at,
                    j.c.finished_at, last.c.stage, last.c.message, counted.c.done, counted.c.total)
        .select_from(r.join(j, j.c.report_id == r.c.id)
                     .outerjoin(last, last.c.id == latest.correlate(r).scalar_subquery())
                     .outerjoin(counted, counted.c.id == latest.where(ev.c.total.is_not(None)).correlate(r)
                                .scalar_subquery()))
        .where(r.c.tenant_id == bindparam("tenant_id"))
    )


@functools.cache
def _status_query() -> Select:
    return _status_base().where(_table(ReportRow).c.id == bindparam("report_id"))


@functools.cache
def _status_page_query() -> Select:
    r = _table(ReportRow)
    return _status_base().order_by(r.c.created_at.desc(), r.c.id).limit(bindparam("limit")).offset(bindparam("offset"))


def list_reports(s: Session, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[tuple[ReportRow, Job]]:
    q = (
        select(ReportRow, Job)
        .where(ReportRow.tenant_id == tenant_id, Job.report_id == ReportRow.id)
        .order_by(col(ReportRow.created_at).desc(), col(ReportRow.id))
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
        .where(EventRow.report_id == report_id, EventRow.tenant_id == tenant_id, col(EventRow.id) > after)
        .order_by(col(EventRow.id))
        .limit(limit)
    )
    return list(s.exec(q).all())


def latest_progress(s: Session, report_id: str) -> tuple[EventRow | None, EventRow | None]:
    """The latest event, and the latest one that counted sections (done of total)."""
    q = select(EventRow).where(EventRow.report_id == report_id).order_by(col(EventRow.id).desc()).limit(1)
    last = s.exec(q).first()
    counted = s.exec(q.where(col(EventRow.total).is_not(None))).first()
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
    return list(s.exec(q.order_by(col(Feedback.created_at))).all())


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
        .order_by(col(ReportRow.room), col(ReportRow.id))
    )
    return batch, [(r, j) for r, j in s.exec(q).all()]


def list_batches(s: Session, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[BatchRow]:
    q = select(BatchRow).where(BatchRow.tenant_id == tenant_id).order_by(col(BatchRow.created_at).desc())
    return list(s.exec(q.offset(offset).limit(limit)).all())


def count_jobs(s: Session, state: str) -> int:
    return int(s.exec(select(func.count()).select_from(Job).where(Job.state == state)).one())
