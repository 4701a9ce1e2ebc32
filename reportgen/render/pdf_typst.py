"""Report -> PDF through Typst: the built-in look (templates/report.typ) in a fraction of WeasyPrint's time.

WeasyPrint re-lays out a page's whole footnote area for every footnote it adds, so a 30-page
report with a footnote per finding took it 15 s; Typst sets the same pages, footnotes, contents
with page numbers, bookmarks and running heads in a twentieth to a tenth of the time (bench/render.py).

Both engines read one view model (view.build), so a citation's number, label and warning are the
same in either PDF. The SOP's kicker and confidentiality line are taken from its HTML template's
blocks, so an SOP says them once.

Safety: nothing from a report is ever spliced into Typst source. The view model goes in as JSON
through `sys.inputs`, and the template places its strings as text values, which Typst prints as
they are: a speaker called `#read("/etc/passwd")` is a name, not code. The compiler's root is an
empty folder, so even the template could not read a file beside it.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
import threading
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportgen.errors import RenderError
from reportgen.models import Document, Report
from reportgen.render import html as html_render
from reportgen.render import labels, view
from reportgen.resources import templates_dir

TEMPLATE = "report.typ"
_TAG = re.compile(r"<[^>]+>")
# A compiler holds the fonts it found; finding them again costs more than setting a short report,
# so one is kept per process and used by one thread at a time.
_LOCK = threading.Lock()


# The faces templates/report.typ names, by file name as Debian's fonts-noto-* and fonts-dejavu-core install
# them. Loading these few instead of every system font makes a compiler in ~40 ms instead of ~400 ms.
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
FONT_FILES = re.compile(r"^(NotoSerif|NotoSans|NotoNaskhArabic|NotoSansArabic|NotoSerifHebrew|NotoSansHebrew)"
                        r"-(Regular|Bold|Italic|BoldItalic|SemiBold)\.ttf$|^Noto(Serif|Sans)CJK-(Regular|Bold)\.ttc$"
                        r"|^NotoColorEmoji\.ttf$|^DejaVu(Serif|Sans|SansMono)(-Bold|-Italic|-Oblique)?\.ttf$")
NEEDED = ("NotoSerif-Regular.ttf", "NotoSans-Regular.ttf", "NotoSerifCJK-Regular.ttc")


def font_files() -> list[str]:
    """The report's font files, or [] when they are not where Debian puts them (then every system font loads)."""
    found: dict[str, str] = {}
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob("*.tt[fc]"):
                if FONT_FILES.match(path.name):
                    found.setdefault(path.name, str(path))
    return sorted(found.values()) if all(n in found for n in NEEDED) else []


@lru_cache(maxsize=1)
def _compiler() -> Any:
    import typst  # the pdf extra; imported when a PDF is made, not by every `import reportgen`

    root = tempfile.mkdtemp(prefix="reportgen-typst-root-")  # empty: the template can read nothing
    files = font_files()
    if not files:
        return typst.Compiler(root=root)
    fonts = Path(tempfile.mkdtemp(prefix="reportgen-typst-fonts-"))  # Typst searches folders, not files
    for f in files:
        (fonts / Path(f).name).symlink_to(f)
    return typst.Compiler(root=root, font_paths=[str(fonts)], ignore_system_fonts=True)


@lru_cache(maxsize=4)
def _template(folder: str) -> bytes:
    return (Path(folder) / TEMPLATE).read_bytes()


def block_text(report: Report, name: str, v: view.ReportView) -> str:
    """A block of the SOP's HTML template (kicker, confidential) as plain text, for the Typst cover and footer."""
    env = html_render.environment(None)
    template = env.select_template(html_render.template_names(report.sop_id))
    block = template.blocks.get(name)
    if block is None:
        return ""
    context = template.new_context({"v": v, "r": report, "for_print": True})
    return " ".join(html.unescape(_TAG.sub("", "".join(block(context)))).split())


def typst_data(report: Report, documents: list[Document] | None = None) -> dict[str, Any]:
    """The view model as plain JSON data: exactly what report.html shows, nothing re-derived here."""
    v = view.build(report, documents)
    sections = []
    for s in v.sections:
        rows = []
        for row in s.rows:
            r = asdict(row)
            r["extra"] = [list(kv) for kv in row.extra]
            r["passages"] = [{**asdict(p), "label": p.label} for p in row.passages]
            r["rationale_dir"] = labels.direction(row.cells.get("rationale", ""))
            r["primary_label"] = labels.heading(row.primary_key) if row.primary_key else "Verdict"
            r["badge"] = row.badge
            rows.append(r)
        sections.append({
            "id": s.id, "number": s.number, "title": s.title, "kind": s.kind, "status": s.status,
            "columns": [list(c) for c in s.columns], "rows": rows, "notes": list(s.notes), "bare": s.bare,
            "passages": [{**asdict(p), "label": p.label} for p in s.passages],
        })
    ver = {k: val for k, val in v.verification.items() if isinstance(val, str | int | float | bool | dict)}
    return {
        "title": v.title,
        "date": v.date,
        "engine": v.engine,
        "extractive": v.extractive,
        "kicker": block_text(report, "kicker", v) or "Report",
        "confidential": block_text(report, "confidential", v),
        "sop_id": report.sop_id,
        "sop_version": str(report.sop_version),
        "report_id": report.id,
        "verification": ver,
        "sections": sections,
        "sources": [asdict(s) for s in v.sources],
        "issues": v.issues,
        "passages_heading": view.PASSAGES_HEADING,
        "passages_intro": view.PASSAGES_INTRO,
    }


def render_pdf_typst(report: Report, path: Path | str, *, documents: list[Document] | None = None) -> Path:
    """Write the report's PDF with Typst and return its path."""
    data = json.dumps(typst_data(report, documents), ensure_ascii=False)
    source = _template(str(templates_dir()))
    out = Path(path)
    try:
        with _LOCK:
            pdf = _compiler().compile(input=source, sys_inputs={"data": data})
    except Exception as exc:  # typst.TypstError; the class lives in the optional package
        raise RenderError(f"Typst could not set report {report.id}: {str(exc)[:500]}; "
                          "render it with --pdf-engine weasyprint and report the problem") from exc
    out.write_bytes(pdf)
    return out
