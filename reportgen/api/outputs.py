"""Rendered report files: made once per (report, format, revision), kept in the blob store.

The slow formats (PDF, DOCX) are rendered before anyone asks (reportgen.jobs.prerender); any
other format, or one not rendered yet, is rendered on first download in whichever API process
serves it, and the bytes go to the database so every other process serves the same file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from reportgen.jobs.prerender import rendered_blob

Format = Literal["pdf", "docx", "html", "md", "json"]
FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


class DownloadsOut(BaseModel):
    """Which slow downloads of the report's current revision are ready to stream."""

    revision: int = Field(description="the report revision these files are of; an edit makes a new one")
    formats: dict[str, str] = Field(
        description='per format (pdf, docx): "ready", "preparing" (rendering in the background) or "failed: why" '
                    "(the download then renders on request and says what went wrong)",
        examples=[{"pdf": "ready", "docx": "preparing"}],
    )


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "report"


__all__ = ["FORMATS", "DownloadsOut", "Format", "rendered_blob", "safe_name"]
