"""The FastAPI app factory: routers under /v1, JSON errors, the database and the job runner.

On start the app migrates the database (`upgrade head`) and starts the dispatcher: the
in-process runner (which resumes unfinished jobs) or, with `REPORTGEN_BROKER_URL`, Celery
(re-sending jobs still queued, in case a previous server died between commit and send).
The web pages are mounted beside the API by `reportgen.web.mount(app)`, and `BrowserGuard`
(`reportgen.api.origins`) wraps everything: Host check, same-origin writes, no framing.

Every operation has a named `operation_id` (verb_noun, as generated clients call it); a route
added without one fails at startup rather than getting FastAPI's `name_path_method` default.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlmodel import select

from reportgen import web
from reportgen.api import batches, documents, errors, info, reports, reviews, sops
from reportgen.api.origins import BrowserGuard
from reportgen.api.service import Dispatcher, Service
from reportgen.api.uploads import BodyLimit
from reportgen.jobs import prerender
from reportgen.jobs.inprocess import InProcessRunner
from reportgen.store.config import ServiceSettings
from reportgen.store.db import Database
from reportgen.store.tables import Job

log = logging.getLogger("reportgen.api")

DESCRIPTION = """Reports whose every finding is backed by a verbatim quote located in the sources.

1. `POST /v1/documents` uploads sources (multipart field `files`; a zip expands into its documents).
2. `POST /v1/reports` with an SOP id (`GET /v1/sops`) and document ids answers 202 with a job.
3. Follow `GET /v1/reports/{id}` or the SSE stream `/v1/reports/{id}/events`, then download
   `/v1/reports/{id}.pdf` (or .docx, .html, .md, .json).

Data rooms in bulk: `POST /v1/batches/upload` with a zip holding a folder per company.
Auth: `Authorization: Bearer KEY` (`reportgen keys create --tenant NAME`). Errors are
`{"error": {"code": ..., "message": ...}}`. POSTs accept an `Idempotency-Key` header.
`GET /v1/info` says which engine a report gets by default and the upload limits.
"""


class Health(BaseModel):
    ok: bool
    database: str
    jobs: str
    queued: int


def make_dispatcher(db: Database, settings: ServiceSettings) -> Dispatcher:
    if settings.broker_url:
        from reportgen.jobs.celery_app import CeleryDispatcher  # Celery loads only when a broker is set

        return CeleryDispatcher(settings)
    return InProcessRunner(db, settings)


def _operation_id(route: APIRoute) -> str:
    """Only for routes without an explicit operation_id: fine off the schema (the pages), a bug in it."""
    if route.include_in_schema:
        raise RuntimeError(f"route {route.path} ({route.name}) has no operation_id: name it, e.g. get_report_status")
    return f"page_{route.name}"


def _resend_queued(service: Service) -> None:
    if not service.settings.broker_url:
        return  # the in-process runner reads the queue from the table itself
    with service.db.session() as s:
        ids = s.exec(select(Job.id).where(Job.state == "queued")).all()
    for job_id in ids:
        service.dispatcher.submit(job_id)


def create_app(settings: ServiceSettings | None = None, *, dispatcher: Dispatcher | None = None) -> FastAPI:
    settings = settings or ServiceSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.url)
        service = Service(settings, db, dispatcher or make_dispatcher(db, settings))
        app.state.service = service
        service.dispatcher.start()
        _resend_queued(service)
        try:
            yield
        finally:
            service.dispatcher.stop()
            prerender.drain()
            db.dispose()

    app = FastAPI(
        title="reportgen", version="1", description=DESCRIPTION, lifespan=lifespan,
        openapi_tags=[
            {"name": "documents", "description": "Sources: upload, list, read with located segments."},
            {"name": "reports", "description": "Reports: create, progress, result, downloads, edits, feedback."},
            {"name": "batches", "description": "Many data rooms at once: one report per room."},
            {"name": "sops", "description": "The SOP templates."},
            {"name": "service", "description": "This server: default engine, model, upload limits, liveness."},
        ],
        generate_unique_id_function=_operation_id,
    )
    errors.install(app)
    app.add_middleware(BodyLimit, max_upload_bytes=settings.max_upload_bytes)
    for module in (documents, reports, reviews, batches, sops, info):
        app.include_router(module.router)
    app.router.routes.insert(0, reports.LEAN_STATUS_ROUTE)  # status polls: the hottest route, matched first

    @app.get("/healthz", tags=["service"], response_model=Health, operation_id="get_health",
             summary="Liveness: the database answers")
    def healthz() -> Health:
        service: Service = app.state.service
        with service.db.session() as s:
            queued = len(s.exec(select(Job.id).where(Job.state == "queued").limit(1000)).all())
        return Health(ok=True, database=service.db.dialect, jobs="celery" if settings.broker_url else "in-process",
                      queued=queued)

    web.mount(app)
    # outermost, so it sees the client's own headers (before KeyCookie turns the cookie into Authorization)
    app.add_middleware(BrowserGuard, allowed_hosts=settings.allowed_hosts,
                       keyless_possible=settings.open_when_no_keys)
    return app

