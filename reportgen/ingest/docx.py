"""DOCX → Document through python-docx: paragraphs and table rows, in body order.

python-docx opens the package and finds the main document part; the body is then read
from its XML directly, because python-docx's `Paragraph.text` drops tracked insertions
and runs two pages together at a page break. Segments: one per non-empty paragraph
(headings included) and one per table row, the row's cells joined with " | " (a merged
cell counts once). Content controls (`w:sdt`) are read too, since forms and templates
put whole sections in them. Deleted (tracked) text, headers, footers, footnotes and text
boxes are not read.

Pages: a DOCX has no pages until a word processor lays it out, so page numbers come
only from what the file records. If Word saved its layout (`w:lastRenderedPageBreak`),
those breaks are used; otherwise explicit breaks (page-break runs, "page break before"
paragraphs, new-page section breaks). Page numbers start at 1, and a paragraph that
crosses a break becomes one segment per page. A file with neither kind of break gets
`page=None` on every segment and `pages=None`, so citations never show a made-up page.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document as open_docx
from docx.oxml.ns import qn

from reportgen.errors import IngestError, MalformedSourceError
from reportgen.ingest.archive import check_declared_sizes
from reportgen.ingest.build import TextBuilder, finish
from reportgen.ingest.limits import DEFAULT_LIMITS
from reportgen.models import Document

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_R, _T, _TAB, _PTAB, _BR, _CR = qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:ptab"), qn("w:br"), qn("w:cr")
_NB_HYPHEN, _RENDERED = qn("w:noBreakHyphen"), qn("w:lastRenderedPageBreak")
_SDT, _SDT_CONTENT = qn("w:sdt"), qn("w:sdtContent")
# Inline containers whose runs are part of the text (deletions, w:del and w:moveFrom, are not).
_RUN_CONTAINERS = {qn(f"w:{t}") for t in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "dir")}
_TYPE, _VAL = qn("w:type"), qn("w:val")
_PPR, _PAGE_BREAK_BEFORE, _SECT_PR = qn("w:pPr"), qn("w:pageBreakBefore"), qn("w:sectPr")
_FALSE = {"0", "false", "off"}


def parse_docx(data: bytes, filename: str) -> Document:
    """Parse a Word document's bytes; a damaged file raises MalformedSourceError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            # python-docx inflates every part into memory: refuse a bomb before it does.
            check_declared_sizes(zf.infolist(), len(data), DEFAULT_LIMITS, filename)
        body = open_docx(io.BytesIO(data)).element.body
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml/zipfile raise many types on damaged input
        raise MalformedSourceError(
            f"the Word document is damaged and cannot be read ({type(exc).__name__}). Open it in Word or "
            "LibreOffice and save it again, or export it to PDF.",
            filename=filename,
        ) from None

    reader = _BodyReader(rendered=next(body.iter(_RENDERED), None) is not None)
    try:
        reader.read(body)
    except (ValueError, KeyError, AttributeError, IndexError, TypeError) as exc:
        raise MalformedSourceError(
            f"the Word document has a structure that cannot be read ({type(exc).__name__}: {exc}). "
            "Open it in Word or LibreOffice and save it again, or export it to PDF.",
            filename=filename,
        ) from None

    builder = reader.builder
    if not reader.any_break:
        for seg in builder.segments:
            seg.page = None
    warnings = []
    if not builder.segments:
        warnings.append("the document has no text in its body (headers, footers and text boxes are not read).")
    return finish(
        builder,
        data=data,
        filename=filename,
        kind="docx",
        format="docx",
        media_type=MEDIA_TYPE,
        pages=max((s.page or 1 for s in builder.segments), default=1) if reader.any_break else None,
        warnings=warnings,
        meta={"page_source": ("rendered" if reader.rendered else "explicit") if reader.any_break else "none"},
    )


class _BodyReader:
    """Walks the body XML in order, tracking the current page."""

    def __init__(self, *, rendered: bool) -> None:
        self.rendered = rendered
        self.builder = TextBuilder()
        self.page = 1
        self.any_break = False

    def read(self, container) -> None:
        for child in container.iterchildren():
            if child.tag == _P:
                self._paragraph(child)
            elif child.tag == _TBL:
                self._table(child)
            elif child.tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self.read(content)

    def _paragraph(self, p) -> None:
        before, after = self._paragraph_breaks(p)
        self._turn(before)
        chunks = self._chunks(p)
        for i, chunk in enumerate(chunks):
            if i:
                self._turn(1)
            self.builder.add(chunk, page=self.page, sep="\n\n")
        self._turn(after)

    def _table(self, tbl) -> None:
        first = True
        for tr in tbl.iterchildren(_TR):
            cells: list[str] = []
            breaks_before = breaks = 0
            seen_text = False
            for tc in tr.iterchildren(_TC):
                parts: list[str] = []
                for p in tc.iter(_P):  # nested tables are flattened into their cell
                    chunks = self._chunks(p)
                    for i, chunk in enumerate(chunks):
                        if i:
                            breaks += 1
                            if not seen_text:
                                breaks_before += 1
                        if chunk.strip():
                            seen_text = True
                            parts.append(chunk)
                cells.append(" ".join(" ".join(parts).split()))
            self._turn(breaks_before)
            if any(cells):
                self.builder.add(" | ".join(cells), page=self.page, sep="\n\n" if first else "\n")
                first = False
            self._turn(breaks - breaks_before)

    def _turn(self, pages: int) -> None:
        if pages:
            self.page += pages
            self.any_break = True

    def _paragraph_breaks(self, p) -> tuple[int, int]:
        """Breaks the paragraph's properties put before it and after it (explicit mode only)."""
        ppr = p.find(_PPR)
        if self.rendered or ppr is None:
            return 0, 0
        before = after = 0
        pbb = ppr.find(_PAGE_BREAK_BEFORE)
        if pbb is not None and pbb.get(_VAL, "true") not in _FALSE:
            before = 1
        sect = ppr.find(_SECT_PR)
        if sect is not None:
            kind = sect.find(_TYPE)
            if kind is None or kind.get(_VAL, "nextPage") != "continuous":
                after = 1
        return before, after

    def _chunks(self, p) -> list[str]:
        """The paragraph's text split at page breaks: chunk i is i pages after the paragraph's start."""
        chunks: list[str] = []
        buf: list[str] = []
        for run in _runs(p):
            for el in run.iterchildren():
                tag = el.tag
                if tag == _T:
                    buf.append(el.text or "")
                elif tag in (_TAB, _PTAB):
                    buf.append("\t")
                elif tag == _BR:
                    if el.get(_TYPE) == "page":
                        if not self.rendered:
                            chunks.append("".join(buf))
                            buf = []
                    else:
                        buf.append("\n")
                elif tag == _CR:
                    buf.append("\n")
                elif tag == _NB_HYPHEN:
                    buf.append("-")
                elif tag == _RENDERED and self.rendered:
                    chunks.append("".join(buf))
                    buf = []
        chunks.append("".join(buf))
        return chunks


def _runs(element):
    for child in element.iterchildren():
        tag = child.tag
        if tag == _R:
            yield child
        elif tag in _RUN_CONTAINERS:
            yield from _runs(child)
        elif tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _runs(content)
