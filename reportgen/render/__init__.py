"""Render a Report to the files people read: PDF, DOCX, HTML, Markdown and JSON.

`write()` picks the format from the file suffix; the per-format functions are here too for
callers that want a string (HTML, Markdown) or to pass format-specific options.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.models import Document, Report
from reportgen.render.docx import render_docx
from reportgen.render.html import RenderError, render_html
from reportgen.render.markdown import render_markdown
from reportgen.render.pdf import PDF_ENGINES, render_pdf

FORMATS = {".pdf": "PDF", ".docx": "Word", ".html": "HTML", ".htm": "HTML", ".md": "Markdown", ".json": "JSON"}


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


def write(
    report: Report,
    path: Path | str,
    *,
    reference_docx: Path | None = None,
    template_dir: Path | None = None,
    documents: list[Document] | None = None,
    pdf_engine: str | None = None,
) -> Path:
    """Write `report` to `path` in the format its suffix names; returns the path written.

    `pdf_engine` ("typst" or "weasyprint") only matters for a .pdf; None is Typst, or WeasyPrint
    when `template_dir` holds the user's own HTML templates.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise RenderError(f"cannot tell the output format of {out.name!r}: use one of "
                          f"{', '.join(sorted(FORMATS))} as the file extension")
    if not out.parent.is_dir():
        raise RenderError(f"cannot write {out}: folder {out.parent} does not exist; create it first")
    try:
        if suffix == ".pdf":
            return render_pdf(report, out, template_dir=template_dir, documents=documents, engine=pdf_engine)
        if suffix == ".docx":
            return render_docx(report, out, reference_docx, documents=documents)
        if suffix in (".html", ".htm"):
            text = render_html(report, template_dir=template_dir, documents=documents)
        elif suffix == ".md":
            text = render_markdown(report, documents=documents)
        else:
            text = render_json(report)
        out.write_text(text, encoding="utf-8")
        return out
    except PermissionError as exc:
        raise RenderError(f"cannot write {out}: permission denied; choose a folder you can write to") from exc


__all__ = ["FORMATS", "PDF_ENGINES", "RenderError", "render_docx", "render_html", "render_json", "render_markdown",
           "render_pdf", "write"]
