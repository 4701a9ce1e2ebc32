"""Rendered report files: made once per (report, format, revision), kept in the blob store.

Rendering happens on first download, in whichever API process serves it, and the bytes go
to the database so every other process (and a later download) serves the same file.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from reportgen.models import Report
from reportgen.render import write
from reportgen.store.blobs import put_blob
from reportgen.store.db import Database
from reportgen.store.documents import load_documents
from reportgen.store.tables import Rendered, ReportRow

Format = Literal["pdf", "docx", "html", "md", "json"]
FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


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


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "report"
