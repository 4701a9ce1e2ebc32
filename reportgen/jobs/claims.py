"""Claiming, renewing, finishing and failing a job, each as one guarded UPDATE.

The guards make every transition safe under at-least-once delivery: a claim succeeds only
for a queued job or a running one whose lease has expired (its worker died), and within the
tenant's concurrency limit; renewing and finishing succeed only for the claim's own attempt.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement
from sqlmodel import Session, and_, col, func, or_, select, update

from reportgen.events import Event, Stage
from reportgen.models import Report
from reportgen.store.db import Database
from reportgen.store.reports import add_event
from reportgen.store.tables import Job, ReportRow, Tenant, now


def worker_id(kind: str = "worker") -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass(frozen=True)
class Claim:
    job_id: str
    tenant_id: str
    report_id: str
    attempt: int
    worker: str
    inputs: dict


Refusal = Literal["done", "busy", "tenant-limit", "missing"]


def claim_job(db: Database, job_id: str, worker: str, *, lease: float, tenant_limit: int) -> Claim | Refusal:
    """Take the job for `lease` seconds, or say why not: done, busy (another live worker), tenant-limit."""
    with db.session() as s:
        job = s.get(Job, job_id)
        if job is None:
            return "missing"
        if job.state in ("succeeded", "failed"):
            return "done"
        # Serialise claims per tenant (PostgreSQL row lock; SQLite serialises writers anyway).
        tenant = s.exec(select(Tenant).where(Tenant.id == job.tenant_id).with_for_update()).one()
        limit = tenant.max_concurrent_jobs or tenant_limit
        t = now()
        running = (
            select(func.count())
            .select_from(Job)
            .where(Job.tenant_id == job.tenant_id, Job.state == "running", col(Job.lease_until) >= t, Job.id != job_id)
            .scalar_subquery()
        )
        stmt = (
            update(Job)
            .where(
                col(Job.id) == job_id,
                or_(Job.state == "queued", and_(Job.state == "running", col(Job.lease_until) < t)),
                running < limit,
            )
            .values(
                state="running", attempts=Job.attempts + 1, worker=worker, lease_until=t + lease,
                started_at=func.coalesce(Job.started_at, t), error=None,
            )
        )
        claimed = s.exec(stmt).rowcount == 1
        s.commit()
        s.refresh(job)
        if not claimed:
            if job.state in ("succeeded", "failed"):
                return "done"
            if job.state == "running" and (job.lease_until or 0) >= now():
                return "busy"
            return "tenant-limit"
        return Claim(job.id, job.tenant_id, job.report_id, job.attempts, worker, dict(job.inputs))


def _mine(claim: Claim) -> ColumnElement[bool]:
    return and_(
        Job.id == claim.job_id, Job.state == "running", Job.attempts == claim.attempt, Job.worker == claim.worker
    )


def renew(db: Database, claim: Claim, lease: float) -> bool:
    with db.session() as s:
        ok = s.exec(update(Job).where(_mine(claim)).values(lease_until=now() + lease)).rowcount == 1
        s.commit()
    return ok


@contextmanager
def heartbeat(db: Database, claim: Claim, lease: float) -> Iterator[threading.Event]:
    """Renew the lease every third of it while the block runs; the event is set if the claim was lost."""
    stop, lost = threading.Event(), threading.Event()

    def beat() -> None:
        while not stop.wait(lease / 3):
            try:
                if not renew(db, claim, lease):
                    lost.set()
                    return
            except Exception:  # noqa: BLE001 - a database hiccup: try again next beat, the lease has slack
                continue

    t = threading.Thread(target=beat, name=f"lease-{claim.job_id}", daemon=True)
    t.start()
    try:
        yield lost
    finally:
        stop.set()
        t.join(timeout=5)


def record_event(db: Database, claim: Claim, ev: Event) -> None:
    with db.session() as s:
        add_event(s, claim.report_id, claim.tenant_id, claim.attempt, ev)
        s.commit()


PARTIAL = "partial report"  # how the finished event of a report with failed sections begins


def finish_job(db: Database, claim: Claim, report: Report) -> bool:
    """Write the report and mark the job succeeded, only if this claim still holds the job."""
    with db.session() as s:
        t = now()
        ok = s.exec(
            update(Job).where(_mine(claim)).values(state="succeeded", finished_at=t, lease_until=None, error=None)
        ).rowcount == 1
        if not ok:
            s.rollback()
            return False
        s.exec(
            update(ReportRow)
            .where(col(ReportRow.id) == claim.report_id)
            .values(data=report.model_dump(mode="json"), updated_at=t)
        )
        v = report.verification()
        failed = [sec for sec in report.sections if sec.status == "failed"]
        # All sections failed never gets here (the pipeline raises); some failed is a partial report,
        # said in the last event, which is the status's progress message, the page's and the log's.
        message = (f"{PARTIAL}: {v['items']} items; {len(failed)} of {len(report.sections)} sections failed "
                   f"({', '.join(sec.title for sec in failed[:5])}{', ...' if len(failed) > 5 else ''})"
                   if failed else f"report ready: {v['items']} items")
        add_event(
            s, claim.report_id, claim.tenant_id, claim.attempt,
            Event(stage=Stage.FINISHED, message=message,
                  data={"verification": v, "partial": bool(failed), "failed_sections": [sec.id for sec in failed]}),
        )
        s.commit()
    return True


def fail_job(db: Database, claim: Claim, error: str, *, retry: bool) -> str:
    """Record a failure: back to the queue when `retry` and attempts remain, else failed for good.

    The inputs (job.inputs, the documents) are left untouched, so a failed job can be
    inspected and re-run. Returns the new state ("queued" or "failed"), or "" if the claim was lost.
    """
    with db.session() as s:
        job = s.get(Job, claim.job_id)
        again = retry and job is not None and job.attempts < job.max_attempts
        state = "queued" if again else "failed"
        values: dict[str, str | float | None] = {"state": state, "error": error, "lease_until": None, "worker": None}
        if not again:
            values["finished_at"] = now()
        ok = s.exec(update(Job).where(_mine(claim)).values(**values)).rowcount == 1
        if not ok:
            s.rollback()
            return ""
        msg = f"attempt {claim.attempt} failed, will retry: {error}" if again else f"failed: {error}"
        event = Event(stage=Stage.RETRY if again else Stage.FAILED, message=msg)
        add_event(s, claim.report_id, claim.tenant_id, claim.attempt, event)
        s.commit()
    return state


def unfinished_jobs(s: Session) -> list[Job]:
    """Jobs a runner should (re)deliver: queued, or running under an expired lease."""
    t = now()
    q = (
        select(Job)
        .where(or_(Job.state == "queued", and_(Job.state == "running", col(Job.lease_until) < t)))
        .order_by(col(Job.created_at))
    )
    return list(s.exec(q).all())
