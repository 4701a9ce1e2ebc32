"""The web app: a few Jinja2 page shells plus vanilla JS that talks to the same /v1 API as everyone else.

Pages hold no tenant data: every number on them comes from /v1 calls made by the browser, so
the web app can never show more than the API would. A browser cannot attach
`Authorization: Bearer` to links, downloads or an EventSource, so once a user signs in with
an API key it lives in an HttpOnly, SameSite=Strict cookie and `KeyCookie` turns it into
that header; on a keyless loopback install nothing is needed at all.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from reportgen.resources import web_dir

COOKIE = "reportgen_key"
PAGES = {
    "upload": "New report",
    "history": "History",
}


class KeyCookie:
    """ASGI middleware: a request with the sign-in cookie and no Authorization header gets `Bearer <cookie>`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = scope.get("headers") or []
            if not any(k == b"authorization" for k, _ in headers):
                key = _cookie_key(headers)
                if key:
                    scope = {**scope, "headers": [*headers, (b"authorization", f"Bearer {key}".encode())]}
        await self.app(scope, receive, send)


def _cookie_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    for k, v in headers:
        if k == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(v.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is simply no sign-in
                continue
            if COOKIE in jar and jar[COOKIE].value.startswith("rgk_"):
                return jar[COOKIE].value
    return None


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(web_dir() / "templates"))
    templates.env.globals["pages"] = PAGES
    return templates


def make_router(templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def page(request: Request, name: str, title: str, nav: str | None = None, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(
            request, f"{name}.html", {"title": title, "nav": nav, **context},
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                     "Referrer-Policy": "same-origin"},
        )

    @router.get("/", response_class=HTMLResponse)
    def upload_page(request: Request) -> HTMLResponse:
        return page(request, "upload", "New report", "upload")

    @router.get("/reports", response_class=HTMLResponse)
    def history_page(request: Request) -> HTMLResponse:
        return page(request, "history", "History", "history")

    @router.get("/reports/{report_id}", response_class=HTMLResponse)
    def report_page(request: Request, report_id: str) -> HTMLResponse:
        return page(request, "report", "Report", "history", report_id=report_id)

    @router.get("/batches/{batch_id}", response_class=HTMLResponse)
    def batch_page(request: Request, batch_id: str) -> HTMLResponse:
        return page(request, "batch", "Batch", "history", batch_id=batch_id)

    @router.post("/web/session")
    def sign_in(request: Request, key: str = Form(..., max_length=500), next: str = Form("/")) -> Response:  # noqa: A002
        """Check the key before setting the cookie, so a typo is said at once instead of as 401s later."""
        from reportgen.store.keys import tenant_for_key

        key = key.strip()
        with request.app.state.service.db.session() as s:
            tenant = tenant_for_key(s, key) if key.startswith("rgk_") else None
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        if tenant is None:
            return RedirectResponse(f"{target}{'&' if '?' in target else '?'}signin=invalid", status_code=303)
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=30 * 24 * 3600, path="/")
        return resp

    @router.post("/web/session/end")
    def sign_out(next: str = Form("/")) -> Response:  # noqa: A002
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        resp = RedirectResponse(quote(target, safe="/?=&"), status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    return router


def mount(app: FastAPI) -> None:
    """Add the pages, their static files, the /v1/web support routes and the sign-in cookie to the API app."""
    from reportgen.api import web_support

    app.include_router(web_support.router)
    app.include_router(make_router(_templates()))
    app.mount("/static", StaticFiles(directory=str(web_dir() / "static")), name="static")
    app.add_middleware(KeyCookie)
