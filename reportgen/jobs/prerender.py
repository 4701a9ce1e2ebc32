"""Downloads made before anyone clicks: a report's PDF and DOCX rendered as soon as it exists or changes.

Rendered files are kept per (report, format, revision) in the blob store (table `Rendered`), so a
download only streams bytes. The worker that finishes a job renders them right after the job is
marked done; an edit (a new revision) is rendered by a background thread of the API process that
took it. `download_state` tells the web page which files are ready and which are still being
prepared, and starts the work for a revision nobody is rendering (a report from before this, or a
process that stopped mid-way), so a file never stays "preparing" for good.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from reportgen.models import Report
from reportgen.render import write
from reportgen.store.blobs import put_blob
from reportgen.store.db import Database
from reportgen.store.documents import load_documents
from reportgen.store.reports import report_model
from reportgen.store.tables import Rendered, ReportRow

log = logging.getLogger(__name__)

PRERENDERED: tuple[str, ...] = ("pdf", "docx")  # the slow formats; HTML, Markdown and JSON take milliseconds
# One thread per API process: rendering is CPU work, and a second thread would only contend for the GIL.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reportgen-prerender")
_LOCK = threading.Lock()
_PENDING: set[tuple[str, int]] = set()  # (report id, revision) queued or rendering in this process
_FUTURES: dict[tuple[str, int], Future[None]] = {}
_FAILED: dict[tuple[str, int, str], str] = {}  # (report id, revision, format) -> why


def rendered_blob(db: Database, rep: ReportRow, report: Report, fmt: str, *, pdf_engine: str | None = None) -> str:
    """The blob holding `report` rendered to `fmt` at the row's current revision (rendering it if new)."""
    with db.session() as s:
        hit = s.exec(select(Rendered.blob_sha256).where(
            Rendered.report_id == rep.id, Rendered.format == fmt, Rendered.revision == rep.revision)).first()
        if hit:
            return hit
        try:
            documents = load_documents(s, rep.tenant_id, [d.id for d in report.documents])
        except Exception:  # noqa: BLE001 - quotes' context is optional; render without it
            documents = None
    with tempfile.TemporaryDirectory(prefix="reportgen-render-") as tmp:
        path = write(report, Path(tmp) / f"report.{fmt}", documents=documents, pdf_engine=pdf_engine)
        with open(path, "rb") as fh:
            sha = put_blob(db, fh)
    with db.session() as s:
        s.add(Rendered(report_id=rep.id, format=fmt, revision=rep.revision, blob_sha256=sha))
        try:
            s.commit()
        except IntegrityError:  # rendered concurrently: same report, same revision
            s.rollback()
    return sha


def prerender(db: Database, report_id: str, *, pdf_engine: str | None = None) -> list[str]:
    """Render the slow formats of the report's current revision that are not kept yet; returns those made.

    A format that fails is remembered (and logged) for this revision and the others still render:
    the download then renders on demand and shows the error as it always did."""
    try:
        with db.session() as s:
            rep = s.get(ReportRow, report_id)
            report = report_model(rep) if rep is not None else None
    except Exception as exc:  # noqa: BLE001 - the download renders on demand instead
        log.warning("pre-rendering report %s: cannot read it: %s", report_id, exc)
        return []
    if rep is None or report is None:
        return []
    made = []
    for fmt in PRERENDERED:
        try:
            rendered_blob(db, rep, report, fmt, pdf_engine=pdf_engine)
            made.append(fmt)
        except Exception as exc:  # noqa: BLE001 - a background render must not take its thread down
            log.warning("pre-rendering %s of report %s (revision %s) failed: %s", fmt, rep.id, rep.revision, exc)
            with _LOCK:
                _FAILED[(rep.id, rep.revision, fmt)] = str(exc)[:300]
    return made


def schedule(db: Database, report_id: str, revision: int, *, pdf_engine: str | None = None) -> bool:
    """Render the revision in this process's background thread, once; False when it is already queued."""
    key = (report_id, revision)
    with _LOCK:
        if key in _PENDING:
            return False
        _PENDING.add(key)

    def run() -> None:
        try:
            prerender(db, report_id, pdf_engine=pdf_engine)
        finally:
            with _LOCK:
                _PENDING.discard(key)
                _FUTURES.pop(key, None)

    fut = _EXECUTOR.submit(run)
    with _LOCK:
        if key in _PENDING:
            _FUTURES[key] = fut
    return True


def drain(timeout: float = 30.0) -> None:
    """At shutdown: drop the renders not started and let the running one finish (bounded).

    A render left running would keep reading and writing through a database the server has disposed
    (PostgreSQL then sees a transaction outlive its server, and a test's DROP SCHEMA deadlocks on it).
    Nothing is lost by stopping: a download asks for its revision again and the render is redone."""
    with _LOCK:
        futures = list(_FUTURES.items())
    running = []
    for key, fut in futures:
        if fut.cancel():
            with _LOCK:
                _PENDING.discard(key)
                _FUTURES.pop(key, None)
        else:
            running.append(fut)
    wait(running, timeout=timeout)


def download_state(db: Database, rep: ReportRow, *, pdf_engine: str | None = None) -> dict[str, str]:
    """Each slow format of the row's current revision: "ready", "preparing" or "failed: why".

    Nothing kept and nothing queued here means no process is on it (it stopped, or the report
    predates pre-rendering): it is queued now, so "preparing" always ends."""
    with db.session() as s:
        kept = set(s.exec(select(Rendered.format).where(
            Rendered.report_id == rep.id, Rendered.revision == rep.revision, col(Rendered.format).in_(PRERENDERED)
        )).all())
    state: dict[str, str] = {}
    with _LOCK:
        pending = (rep.id, rep.revision) in _PENDING
        for fmt in PRERENDERED:
            failed = _FAILED.get((rep.id, rep.revision, fmt))
            state[fmt] = "ready" if fmt in kept else f"failed: {failed}" if failed else "preparing"
    if not pending and any(v == "preparing" for v in state.values()):
        schedule(db, rep.id, rep.revision, pdf_engine=pdf_engine)
    return state
