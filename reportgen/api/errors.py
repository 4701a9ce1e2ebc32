"""Every error leaves the API as `{"error": {"code", "message"}}` with a fitting status.

`ReportgenError`s carry their own status (415 unsupported, 413 too large, 422 unreadable,
404 not found); FastAPI's validation errors are rewritten into one readable sentence; an
unexpected exception is a 500 whose body says it is our bug, never a traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reportgen.api.wording import for_api
from reportgen.errors import STATUS_CODES, ApiError, ReportgenError

__all__ = ["ApiError", "error_body", "install"]

log = logging.getLogger("reportgen.api")



def error_body(status: int, message: str, code: str | None = None) -> dict:
    return {"error": {"code": code or STATUS_CODES.get(status, "error"), "message": message}}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts) + ". See the schema at /docs."


def install(app: FastAPI) -> None:
    @app.exception_handler(ReportgenError)
    async def _reportgen(_: Request, exc: ReportgenError) -> JSONResponse:
        status = exc.http_status if 400 <= exc.http_status < 600 else 400
        return JSONResponse(error_body(status, for_api(str(exc)), exc.code), status_code=status,
                            headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = "no such endpoint. See /docs for the API."
        elif exc.status_code == 405:
            message = "this endpoint does not accept that method. See /docs for the API."
        return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(422, _validation_message(exc), "invalid_request"), status_code=422)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(500, f"internal error ({type(exc).__name__}); this is a bug in reportgen, please report it."),
            status_code=500,
            # The connection may be in any state after an unexpected error (a half-read body): close it,
            # so a client's next request goes on a new one instead of failing on this one.
            headers={"Connection": "close"},
        )
