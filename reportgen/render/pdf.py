"""Report -> PDF with either engine: Typst for the built-in look (the default), WeasyPrint for HTML.

Typst sets the built-in report (templates/report.typ) about an order of magnitude faster than
WeasyPrint lays out the same report's HTML (bench/render.py). WeasyPrint stays the engine for
HTML templates, including a user's own Jinja2 folder (`--templates`): their footnotes
(`float: footnote`), contents page numbers (`target-counter`) and bookmarks (`bookmark-level`)
are CSS in templates/report.css, so a user template keeps them by keeping the classes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from reportgen.errors import RenderError
from reportgen.models import Document, Report
from reportgen.render.html import render_html
from reportgen.render.pdf_typst import render_pdf_typst
from reportgen.resources import templates_dir

PdfEngine = Literal["typst", "weasyprint"]
PDF_ENGINES: tuple[str, ...] = ("typst", "weasyprint")
DEFAULT_PDF_ENGINE: PdfEngine = "typst"

# WeasyPrint warns about every CSS property it ignores (screen-only rules); that is not the user's problem.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def pdf_engine_for(engine: str | None, template_dir: Path | str | None) -> PdfEngine:
    """The engine that can honour the request: a template folder holds HTML, which only WeasyPrint lays out."""
    if engine is not None and engine not in PDF_ENGINES:
        raise RenderError(f"unknown PDF engine {engine!r}: use one of {', '.join(PDF_ENGINES)}")
    if template_dir is not None:
        if engine == "typst":
            raise RenderError("a template folder holds HTML templates, which WeasyPrint lays out: drop "
                              "--pdf-engine typst, or drop --templates to use the built-in look set by Typst")
        return "weasyprint"
    return "weasyprint" if engine == "weasyprint" else DEFAULT_PDF_ENGINE


def render_pdf(
    report: Report,
    path: Path | str,
    *,
    template_dir: Path | str | None = None,
    documents: list[Document] | None = None,
    engine: str | None = None,
) -> Path:
    """Write the PDF and return its path; `engine` None means Typst unless a template folder is given."""
    if pdf_engine_for(engine, template_dir) == "typst":
        return render_pdf_typst(report, path, documents=documents)
    return render_pdf_weasyprint(report, path, template_dir=template_dir, documents=documents)


def render_pdf_weasyprint(
    report: Report,
    path: Path | str,
    *,
    template_dir: Path | str | None = None,
    documents: list[Document] | None = None,
) -> Path:
    """The report's HTML (report.html under report.css's print rules) laid out by WeasyPrint."""
    from weasyprint import HTML  # imported here: it loads Pango and fonts (about 1 s), which other formats skip

    html = render_html(report, template_dir=template_dir, documents=documents, for_print=True)
    out = Path(path)
    base = Path(template_dir) if template_dir is not None else templates_dir()
    HTML(string=html, base_url=str(base)).write_pdf(out, pdf_identifier=report.id.encode())
    if 'href="' in html and "#page=" in html:
        relative_links(out, base.resolve().as_uri() + "/")
    return out


def relative_links(path: Path, prefix: str) -> None:
    """WeasyPrint resolves every href against its base URL, so a footnote's "file.pdf#page=7" came out
    as file:///<the server's template folder>/file.pdf: put the relative link back (and the path out)."""
    from pypdf import PdfReader, PdfWriter  # the pdf extra, for reports that link to PDF sources only
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(path))
    changed = False
    for page in writer.pages:
        for ref in page.get("/Annots") or []:
            action = ref.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if uri.startswith(prefix):
                action.get_object()[NameObject("/URI")] = TextStringObject(uri[len(prefix):])
                changed = True
    if changed:
        with open(path, "wb") as fh:
            writer.write(fh)
