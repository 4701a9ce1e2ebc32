"""The page shells: each route renders one template from `web/templates/` and holds no tenant data.

The report page is given the list of progress stages from `reportgen.events.Stage`, because
an EventSource only delivers the named events a page listens for: a stage added to the enum
reaches the page without a JS change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from reportgen.events import Stage
from reportgen.resources import web_dir

PAGES = {
    "upload": "New report",
    "history": "History",
}
# The shells load only their own scripts and styles and talk only to this server; nothing may frame
# them (clickjacking) and their forms post only here.
# media-src is the one way out: a transcript's recording (Document.media_url) lives wherever the customer
# keeps it, on any http(s) host. Audio and video cannot run script or read the page, so the worst a URL
# can do is be fetched (the API accepts only http/https without credentials; Referrer-Policy keeps the
# report's address from that host). http: too, for recordings on an intranet server.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "media-src 'self' https: http:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "Content-Security-Policy": CSP, "X-Frame-Options": "DENY"}


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(web_dir() / "templates"))
    templates.env.globals["pages"] = PAGES
    return templates


def page_router(templates: Jinja2Templates | None = None) -> APIRouter:
    templates = templates or _templates()
    router = APIRouter(include_in_schema=False)

    def page(request: Request, name: str, title: str, nav: str | None = None, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, f"{name}.html", {"title": title, "nav": nav, **context},
                                          headers=HEADERS)

    @router.get("/favicon.ico")
    def favicon() -> FileResponse:
        """Browsers ask for /favicon.ico whatever the page links; an SVG answers them all (no 404 in the log)."""
        return FileResponse(web_dir() / "static" / "favicon.svg", media_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})

    @router.get("/", response_class=HTMLResponse)
    def upload_page(request: Request) -> HTMLResponse:
        return page(request, "upload", "New report", "upload")

    @router.get("/reports", response_class=HTMLResponse)
    def history_page(request: Request) -> HTMLResponse:
        return page(request, "history", "History", "history")

    @router.get("/reports/{report_id}", response_class=HTMLResponse)
    def report_page(request: Request, report_id: str) -> HTMLResponse:
        return page(request, "report", "Report", "history", report_id=report_id, stages=[s.value for s in Stage])

    @router.get("/batches/{batch_id}", response_class=HTMLResponse)
    def batch_page(request: Request, batch_id: str) -> HTMLResponse:
        return page(request, "batch", "Batch", "history", batch_id=batch_id)

    @router.get("/batches/{batch_id}/matrix", response_class=HTMLResponse)
    def matrix_page(request: Request, batch_id: str) -> HTMLResponse:
        return page(request, "matrix", "Matrix", "history", batch_id=batch_id)

    return router
