"""Which optional extra provides what, and the one-line error that names it when it is missing.

`pip install reportgen` is the core: it ingests, extracts, grounds and renders JSON, Markdown,
HTML and DOCX. `[pdf]` adds Typst and WeasyPrint, `[server]` the API and its database (FastAPI, uvicorn,
SQLModel/SQLAlchemy, Alembic, psycopg), `[celery]` the Celery worker on Redis (with the server's
database), `[all]` everything. A verb checks before it starts, so a user learns what to install
instead of reading an ImportError from deep inside a dependency.
"""

from __future__ import annotations

from importlib.util import find_spec

from reportgen.errors import ReportgenError

# The modules each extra brings that reportgen imports (distribution names differ: python-multipart...).
EXTRAS: dict[str, tuple[str, ...]] = {
    "pdf": ("typst", "weasyprint"),
    "server": ("fastapi", "uvicorn", "sqlmodel", "sqlalchemy", "alembic"),
    "celery": ("celery", "redis"),
}


def has_extra(extra: str) -> bool:
    return all(find_spec(module) is not None for module in EXTRAS[extra])


def require_extra(extra: str, what: str) -> None:
    """Raise a ReportgenError saying `what` needs `extra` and how to install it, unless it is installed."""
    if not has_extra(extra):
        raise ReportgenError(f"{what} needs the {extra} extra: pip install 'reportgen[{extra}]'")
