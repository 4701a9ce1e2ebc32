"""Sign-in for browsers: an API key kept in a cookie and turned back into `Authorization: Bearer`.

A browser cannot attach `Authorization: Bearer` to links, downloads or an EventSource, so once
a user signs in with an API key it lives in an HttpOnly, SameSite=Strict cookie and
`KeyCookie` turns it into that header; on a keyless loopback install nothing is needed at all.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from reportgen.store.keys import tenant_for_key

COOKIE = "reportgen_key"


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


def _local_target(next_: str) -> str:
    """Only a path on this site: `//host/...` would send a freshly signed-in user elsewhere."""
    return next_ if next_.startswith("/") and not next_.startswith("//") else "/"


def session_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/web/session")
    def sign_in(request: Request, key: str = Form(..., max_length=500), next: str = Form("/")) -> Response:  # noqa: A002
        """Check the key before setting the cookie, so a typo is said at once instead of as 401s later."""
        key = key.strip()
        # app.state.service, not the API's get_service dependency: importing reportgen.api here would
        # import the app factory that mounts this package
        with request.app.state.service.db.session() as s:
            tenant = tenant_for_key(s, key) if key.startswith("rgk_") else None
        target = _local_target(next)
        if tenant is None:
            return RedirectResponse(f"{target}{'&' if '?' in target else '?'}signin=invalid", status_code=303)
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=30 * 24 * 3600, path="/")
        return resp

    @router.post("/web/session/end")
    def sign_out(next: str = Form("/")) -> Response:  # noqa: A002
        resp = RedirectResponse(quote(_local_target(next), safe="/?=&"), status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    return router
