"""The web app: a few Jinja2 page shells plus vanilla JS that talks to the same /v1 API as everyone else.

Pages hold no tenant data: every number on them comes from public /v1 calls made by the
browser, so the web app can never show more than the API would. `pages` serves the shells
and `session` the sign-in cookie; `reportgen.api.app.create_app` calls `mount(app)`.

The shells, scripts and styles live in the top-level `web/` folder (`reportgen._web` in a
wheel, found through `reportgen.resources.web_dir`), not in this package, so that a checkout
serves files that are edited without a reinstall.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from reportgen.resources import web_dir
from reportgen.web.pages import page_router
from reportgen.web.session import KeyCookie, session_router

__all__ = ["mount"]


def mount(app: FastAPI) -> None:
    """Add the pages, their static files and the sign-in cookie to the API app."""
    app.include_router(page_router())
    app.include_router(session_router())
    app.mount("/static", StaticFiles(directory=str(web_dir() / "static")), name="static")
    app.add_middleware(KeyCookie)
