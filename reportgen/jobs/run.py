"""One delivery of one job: claim it, build the report from stored inputs, finish it once.

Every runner (the in-process pool, a Celery task) calls `execute_job` with a job id and
nothing else; everything the job needs is in the database. A user's error (a bad SOP, an
unreadable source, no LLM configured) fails the job at once with that message; anything
unexpected is retried until the job's attempts run out, then fails saying what happened.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from datetime import date
from typing import Any

from reportgen.config import Settings, default_engine
from reportgen.errors import ReportgenError
from reportgen.events import Event, Stage
from reportgen.extract.base import Extractor
from reportgen.jobs.claims import Claim, claim_job, fail_job, finish_job, heartbeat, record_event, worker_id
from reportgen.jobs.prerender import prerender
from reportgen.models import Report
from reportgen.pipeline import agenerate, make_engine
from reportgen.store.config import ServiceSettings
from reportgen.store.db import Database, open_database
from reportgen.store.documents import load_documents
from reportgen.store.llm import StoreCallLog, StoreResponseCache
from reportgen.store.pdfpages import stored_pdf_bytes

log = logging.getLogger("reportgen.jobs")


def make_job_engine(name: str, options: dict[str, Any], db: Database, claim: Claim) -> Extractor:
    """The extractor for a job; the llm engine records its calls in the job database's call log and
    shares the database's response cache with every other worker (the tenant's part of it)."""
    if name != "llm":
        return make_engine(name)
    settings = Settings.from_env()
    return make_engine(
        "llm",
        model=options.get("model"),
        settings=settings,
        ledger=StoreCallLog(db, tenant_id=claim.tenant_id, report_id=claim.report_id, attempt=claim.attempt),
        cache=StoreResponseCache(db, tenant_id=claim.tenant_id) if settings.cache_enabled else None,
    )


def build_report(db: Database, claim: Claim) -> Report:
    """The pure part of a job: read inputs, run the pipeline, return the report (nothing written but events)."""
    inputs = claim.inputs
    options: dict[str, Any] = dict(inputs.get("options") or {})
    with db.session() as s:
        documents = load_documents(s, claim.tenant_id, inputs["document_ids"])
    when = date.fromisoformat(options["meeting_date"]) if options.get("meeting_date") else None
    engine = make_job_engine(inputs.get("engine") or default_engine(), options, db, claim)

    def on_event(ev: Event) -> None:
        record_event(db, claim, ev)

    report = asyncio.run(agenerate(documents, inputs["sop"], engine=engine, meeting_date=when, on_event=on_event,
                                   pdf_bytes=stored_pdf_bytes(db, claim.tenant_id)))  # page boxes hook
    report.id = claim.report_id
    return report


def execute_job(
    job_id: str, *, db: Database | None = None, settings: ServiceSettings | None = None, worker: str | None = None
) -> str:
    """Run one delivery of a job. Returns what happened: succeeded, failed, queued (will retry),
    done (already finished), busy (another worker holds it), tenant-limit, lost (claim expired), missing."""
    settings = settings or ServiceSettings.from_env()
    db = db or open_database(settings)
    claim = claim_job(
        db, job_id, worker or worker_id(), lease=settings.lease_seconds, tenant_limit=settings.tenant_concurrency
    )
    if isinstance(claim, str):
        return claim
    # the worker's name (host:pid:thread) is for the operator's log, not the user's event log
    log.info("job %s attempt %s started on %s", job_id, claim.attempt, claim.worker)
    started = "started" if claim.attempt == 1 else f"attempt {claim.attempt} started (the previous one did not finish)"
    record_event(db, claim, Event(stage=Stage.STARTED, message=started))
    try:
        with heartbeat(db, claim, settings.lease_seconds) as lost:
            report = build_report(db, claim)
        if lost.is_set():
            return "lost"
        if not finish_job(db, claim, report):
            return "lost"
    except ReportgenError as e:
        return fail_job(db, claim, str(e), retry=False) or "lost"
    except Exception as e:  # noqa: BLE001 - a bug or an outage: keep the inputs, say why, retry if attempts remain
        log.error("job %s attempt %s crashed:\n%s", job_id, claim.attempt, traceback.format_exc())
        return fail_job(db, claim, f"internal error: {type(e).__name__}: {e}", retry=True) or "lost"
    # The job is done and visible; its PDF and DOCX are made now, so the first download is instant.
    prerender(db, claim.report_id, pdf_engine=settings.pdf_engine)
    return "succeeded"
