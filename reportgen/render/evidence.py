"""The evidence pack: the report's PDF followed by the cited pages of the source PDFs, quotes highlighted.

Whoever signs a diligence memo wants the contract's own page, not our extraction of it. The
appendix copies each cited page with pypdf (the data-room file's page as it is: layout, tables,
signatures), puts a highlight annotation on each quote's line boxes (`Citation.boxes`, from
PDFium), and re-points each footnote's link (`view.Note.href`, "file.pdf#page=7") at its copy in
the appendix. A cover page states how many pages follow and which footnotes each one backs.

It is optional per download (`?evidence=1`) and capped (`MAX_PAGES`): a room of hundreds of
contracts cited on every page would make a pack nobody can send, so above the cap the request is
refused with the count, and the plain PDF stays one click away.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.models import Box, Report
from reportgen.render.pdf_typst import _LOCK, _compiler
from reportgen.render.view import source_href

MAX_PAGES = 150
HIGHLIGHT = "ffd54a"


class EvidenceTooLargeError(ReportgenError):
    http_status = 413
    code = "too_large"


@dataclass
class CitedPage:
    """One source page in the appendix: which footnotes it backs and the boxes to highlight on it."""

    document_id: str
    filename: str
    page: int
    notes: list[int] = field(default_factory=list)
    boxes: list[tuple[int, Box]] = field(default_factory=list)  # (note number, box)

    @property
    def href(self) -> str:
        return source_href(self.filename, self.page)


def cited_pages(report: Report) -> list[CitedPage]:
    """The PDF pages the report's footnotes cite, in the order first cited; numbered as view.build numbers them.
    The pack groups them by source (in the order first cited), each source's pages in page order."""
    kinds = {d.id: d for d in report.documents}
    pages: dict[tuple[str, int], CitedPage] = {}
    n = 0
    for s in report.sections:
        for item in s.items:
            if item.review == "rejected":
                continue  # left out of the deliverable, so out of its evidence (view._section does the same)
            for c in item.citations:
                n += 1
                ref = kinds.get(c.document_id or "")
                if not c.located or ref is None or ref.kind != "pdf":
                    continue
                on = sorted({b.page for b in c.boxes} or ({c.page} if c.page else set()))
                for p in on:
                    cp = pages.setdefault((ref.id, p), CitedPage(ref.id, ref.filename, p))
                    if n not in cp.notes:
                        cp.notes.append(n)
                    cp.boxes.extend((n, b) for b in c.boxes if b.page == p)
    return list(pages.values())


def count_pages(report: Report) -> int:
    return len(cited_pages(report))


def evidence_pack(
    report_pdf: bytes, report: Report, source_pdf: Callable[[str], bytes | None], *, max_pages: int | None = None
) -> tuple[bytes, int]:
    """The report's PDF with the appendix; returns (bytes, appendix pages). Raises above `max_pages`."""
    from pypdf import PdfReader, PdfWriter  # the pdf extra; loaded for an evidence download only
    from pypdf.errors import PdfReadError

    pages = cited_pages(report)
    max_pages = MAX_PAGES if max_pages is None else max_pages
    if len(pages) > max_pages:
        raise EvidenceTooLargeError(
            f"the evidence pack would hold {len(pages)} cited source pages, over the limit of {max_pages}. "
            "Download the PDF without evidence, or review and reject items to cite fewer pages.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(report_pdf)))
    body_pages = len(writer.pages)
    # One source open at a time (its pages copied into the writer, then it is dropped), so a pack of
    # many contracts holds one contract's bytes at once; its pages follow in page order.
    by_doc: dict[str, list[CitedPage]] = {}
    for cp in pages:
        by_doc.setdefault(cp.document_id, []).append(cp)
    missing: list[str] = []
    placed: list[CitedPage] = []
    for doc_id, cps in by_doc.items():
        data = source_pdf(doc_id)
        try:
            reader = PdfReader(io.BytesIO(data)) if data else None
            if reader is not None and reader.is_encrypted:
                reader = None  # the password is not kept: the page cannot be copied
        except PdfReadError:
            reader = None
        if reader is None:
            missing.append(cps[0].filename)
            continue
        for cp in sorted(cps, key=lambda c: c.page):
            if cp.page <= len(reader.pages):
                writer.add_page(reader.pages[cp.page - 1])
                placed.append(cp)
        del reader, data
    cover = _cover(report, placed, missing, body_pages)
    cover_pages = len(cover.pages) if cover is not None else 0
    for i, page in enumerate(cover.pages if cover is not None else []):
        writer.insert_page(page, body_pages + i)
    first = body_pages + cover_pages
    targets: dict[str, int] = {}
    for k, cp in enumerate(placed):
        index = first + k
        targets.setdefault(cp.href, index)
        _highlight(writer, index, cp)
        writer.add_outline_item(title=f"Evidence: {cp.filename} p. {cp.page} [{', '.join(map(str, cp.notes))}]",
                                page_number=index)
    if cover is not None:
        writer.add_outline_item(title=f"Evidence pack: {len(placed)} source pages", page_number=body_pages)
    _repoint_links(writer, body_pages, targets)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(placed)


def _highlight(writer: Any, index: int, cp: CitedPage) -> None:
    from pypdf.annotations import Highlight
    from pypdf.generic import ArrayObject, FloatObject, NameObject, TextStringObject

    page = writer.pages[index]
    left, bottom, right, top = (float(v) for v in page.cropbox)
    notes: dict[tuple[float, float, float, float], list[int]] = {}
    for n, b in cp.boxes:  # two footnotes quoting the same lines share one highlight
        notes.setdefault((b.x0, b.y0, b.x1, b.y1), []).append(n)
    for (bx0, by0, bx1, by1), ns in notes.items():
        b = Box(page=cp.page, x0=bx0, y0=by0, x1=bx1, y1=by1, w=0, h=0)
        x0, x1 = left + b.x0, left + b.x1
        y_top, y_bottom = top - b.y0, top - b.y1
        quad = ArrayObject([FloatObject(v) for v in (x0, y_top, x1, y_top, x0, y_bottom, x1, y_bottom)])
        annot = Highlight(rect=(x0, y_bottom, x1, y_top), quad_points=quad, highlight_color=HIGHLIGHT)
        said = ", ".join(f"[{n}]" for n in ns)
        annot[NameObject("/Contents")] = TextStringObject(f"Quoted in footnote {said} of the report")
        annot[NameObject("/T")] = TextStringObject("reportgen")
        writer.add_annotation(index, annot)


def _repoint_links(writer: Any, body_pages: int, targets: dict[str, int]) -> None:
    """Footnote links to "file.pdf#page=7" in the report's pages now go to that page's copy in the appendix."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    for i in range(body_pages):
        for ref in writer.pages[i].get("/Annots") or []:
            annot = ref.get_object()
            action = annot.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is None:
                continue
            key = str(uri).rsplit("/", 1)[-1] if str(uri).startswith("file:") else str(uri)
            target = targets.get(key)
            if target is None:
                continue
            dest = ArrayObject([writer.pages[target].indirect_reference, NameObject("/Fit")])
            annot[NameObject("/A")] = DictionaryObject({NameObject("/S"): NameObject("/GoTo"),
                                                         NameObject("/D"): dest})


_COVER = """
#let d = json(bytes(sys.inputs.data))
#set page(paper: "a4", margin: (x: 22mm, y: 20mm))
#set text(size: 9.5pt)
#text(size: 16pt, weight: "bold")[Evidence pack]
#v(2mm)
#d.summary
#v(3mm)
#table(columns: (auto, 1fr, auto, auto), stroke: 0.4pt + luma(200), inset: 4pt,
  [*PDF page*], [*Source*], [*Page*], [*Footnotes*],
  ..d.rows.map(r => (str(r.at(0)), r.at(1), str(r.at(2)), r.at(3))).flatten())
#if d.missing.len() > 0 [#v(2mm) #text(fill: rgb("#b42318"))[Not included (cannot be opened without its
  password, or missing): #d.missing.join(", ").]]
"""


def _cover(report: Report, placed: list[CitedPage], missing: list[str], body_pages: int) -> Any:
    """A page set by Typst (as the report is) saying what follows; None when there is nothing to say."""
    if not placed and not missing:
        return None
    from pypdf import PdfReader

    sources = len({cp.document_id for cp in placed})
    data: dict[str, Any] = {
        "summary": f"{len(placed)} page{'s' if len(placed) != 1 else ''} from {sources} source PDF"
                   f"{'s' if sources != 1 else ''} follow, copied as they are, each quote highlighted. Each "
                   f"footnote's source link in report {report.id} goes to its page here.",
        "missing": sorted(set(missing)),
    }
    cover_pages, reader = 1, None
    for _ in range(3):  # the table's page numbers depend on the cover's own length: set until they agree
        data["rows"] = [[body_pages + cover_pages + k + 1, cp.filename, cp.page, ", ".join(map(str, cp.notes))]
                        for k, cp in enumerate(placed)]
        with _LOCK:
            pdf = _compiler().compile(input=_COVER.encode(), sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
        reader = PdfReader(io.BytesIO(pdf))
        if len(reader.pages) == cover_pages:
            break
        cover_pages = len(reader.pages)
    return reader
