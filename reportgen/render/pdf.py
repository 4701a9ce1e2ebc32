"""Report -> PDF: WeasyPrint lays out the same HTML under the print rules in templates/report.css.

Footnotes (`float: footnote`), the table of contents page numbers (`target-counter`) and the
bookmarks (`bookmark-level`) are all CSS, so a user template keeps them by keeping the classes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from reportgen.models import Document, Report
from reportgen.render.html import render_html
from reportgen.resources import templates_dir

# WeasyPrint warns about every CSS property it ignores (screen-only rules); that is not the user's problem.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def render_pdf(
    report: Report,
    path: Path | str,
    *,
    template_dir: Path | str | None = None,
    documents: list[Document] | None = None,
) -> Path:
    """Write the PDF and return its path."""
    from weasyprint import HTML  # imported here: it loads Pango and fonts, which the other formats do not need

    html = render_html(report, template_dir=template_dir, documents=documents, for_print=True)
    out = Path(path)
    base = Path(template_dir) if template_dir is not None else templates_dir()
    HTML(string=html, base_url=str(base)).write_pdf(out, pdf_identifier=report.id.encode())
    return out
