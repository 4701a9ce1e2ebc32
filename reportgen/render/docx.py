"""Report -> DOCX with python-docx, built from the report itself (not converted from HTML).

Headings use Word's own "Heading 1/2" styles so the navigation pane works; citations are
numbered references [n] linked to a Quotations section at the end (python-docx has no
footnote API). With a reference document, its styles, page setup, headers and footers are
kept and only its body is replaced; any style we need that it lacks is copied in from
python-docx's default template, so a minimal reference still renders.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, TypeVar

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from pydantic import BaseModel

from reportgen.models import Document, Report
from reportgen.render import labels, view
from reportgen.render.html import RenderError
from reportgen.render.view import Note, Read, ReportView, Row, SectionView

ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
MUTED = RGBColor(0x5D, 0x66, 0x75)
RED = RGBColor(0xB4, 0x23, 0x18)
AMBER = RGBColor(0x9A, 0x4B, 0x00)
_R, _RPR, _B, _I, _COLOR, _SZ, _RTL, _BR, _T, _VAL = (
    qn(f"w:{t}") for t in ("r", "rPr", "b", "i", "color", "sz", "rtl", "br", "t", "val")
)
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
HEADER_FILL = "E8ECF2"
CALLOUT_FILL = "F2F4F7"
NEEDED_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet", "Table Grid")


def _open(reference_docx: Path | str | None) -> docx.document.Document:
    if reference_docx is None:
        doc = docx.Document()
        _house_style(doc)
        return doc
    ref = Path(reference_docx)
    if not ref.is_file():
        raise RenderError(f"reference document {ref} does not exist; pass an existing .docx or leave the option out")
    try:
        doc = docx.Document(str(ref))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise RenderError(f"reference document {ref} is not a readable .docx ({exc}); save it from Word as "
                          ".docx (not .doc or .dotx) and try again") from exc
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep page size, margins, headers and footers
            body.remove(child)
    _borrow_missing_styles(doc)
    return doc


def _borrow_missing_styles(doc: docx.document.Document) -> None:
    """A reference made in Word may lack styles never used in it; copy ours so headings stay headings."""
    have = {s.name for s in doc.styles}
    missing = [n for n in NEEDED_STYLES if n not in have]
    if not missing:
        return
    default = docx.Document()
    for name in missing:
        doc.styles.element.append(copy.deepcopy(default.styles[name].element))


def _house_style(doc: docx.document.Document) -> None:
    """Our look when no reference is given: restrained navy headings, compact body text."""
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(5)
    for name, size in (("Title", 24), ("Heading 1", 15), ("Heading 2", 12)):
        st = styles[name]
        st.font.color.rgb = ACCENT if name != "Title" else RGBColor(0x1D, 0x24, 0x33)
        st.font.size = Pt(size)
        st.font.name = "Calibri"
        rpr = st.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:  # the template ties headings to theme fonts, which override the name set above
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(qn(attr), None)
    styles["Title"].paragraph_format.space_after = Pt(4)
    styles["Heading 1"].paragraph_format.space_before = Pt(18)
    styles["Heading 1"].paragraph_format.space_after = Pt(6)


def _rtl(paragraph: Paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(OxmlElement("w:bidi"))


def _run(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False,
         color: RGBColor | None = None, size: float | None = None, rtl: bool = False) -> None:
    """Append a formatted run as raw WordprocessingML: python-docx's property setters search the
    run's children per attribute, which dominates the time of a 2,000-citation report."""
    r = etree.SubElement(paragraph._p, _R)
    if bold or italic or color is not None or size is not None or rtl:
        rpr = etree.SubElement(r, _RPR)  # children in the schema's order: b, i, color, sz, rtl
        if bold:
            etree.SubElement(rpr, _B)
        if italic:
            etree.SubElement(rpr, _I)
        if color is not None:
            etree.SubElement(rpr, _COLOR).set(_VAL, str(color))
        if size is not None:
            etree.SubElement(rpr, _SZ).set(_VAL, str(round(size * 2)))
        if rtl:
            etree.SubElement(rpr, _RTL)
    for k, line in enumerate(text.split("\n")):
        if k:
            etree.SubElement(r, _BR)
        t = etree.SubElement(r, _T)
        t.text = line
        if line != line.strip():
            t.set(_SPACE, "preserve")


def _link(paragraph: Paragraph, text: str, anchor: str, color: RGBColor, bold: bool = False) -> None:
    """An internal hyperlink to a bookmark, so [n] jumps to its quotation in Word."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    _link_run(paragraph, link, text, color, size=16, bold=bold)


def _external_link(paragraph: Paragraph, text: str, url: str, color: RGBColor) -> None:
    """A hyperlink out of the document (a relative file path with #page= opens the source PDF at its page)."""
    rid = paragraph.part.relate_to(url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
                                   is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    _link_run(paragraph, link, text, color, size=18, underline=True)


def _link_run(paragraph: Paragraph, link: Any, text: str, color: RGBColor, *, size: int, bold: bool = False,
              underline: bool = False) -> None:
    """python-docx has no hyperlink API, so both kinds of link are raw runs inside a w:hyperlink."""
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    col = OxmlElement("w:color")
    col.set(qn("w:val"), str(color))
    rpr.append(col)
    if bold:
        rpr.append(OxmlElement("w:b"))
    if underline:
        u = OxmlElement("w:u")
        u.set(qn("w:val"), "single")
        rpr.append(u)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(size))
    rpr.append(sz)
    run.append(rpr)
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _bookmark(paragraph: Paragraph, name: str, ident: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(ident))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(ident))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _refs(paragraph: Paragraph, notes: list[Note]) -> None:
    for note in notes:
        _run(paragraph, " ")
        _link(paragraph, f"[{note.n}]", f"note_{note.n}", ACCENT if note.located else RED, bold=not note.located)


def _marks(paragraph: Paragraph, row: Row) -> None:
    if row.badge:
        _run(paragraph, " ")
        _run(paragraph, row.badge, bold=True, color=RED, size=8)
    for flag in row.flags:
        _run(paragraph, " ")
        _run(paragraph, f"[{flag.code}: {flag.message}]", color=RED if flag.severe else AMBER, size=8)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _rules(table: Table) -> None:
    """Horizontal rules only: the look of a printed financial table, not a spreadsheet grid."""
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size, color in (("top", 8, "1F3A5F"), ("bottom", 8, "1F3A5F"), ("insideH", 4, "CCD2DB"),
                              ("left", 0, "auto"), ("right", 0, "auto"), ("insideV", 0, "auto")):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:color"), color)
        borders.append(el)
    tblpr.append(borders)


def _widths(table: Table, weights: list[float], total) -> None:
    """Word ignores column widths unless every cell carries one; set them after the rows exist."""
    table.autofit = False
    scale = total / sum(weights)
    widths = [int(w * scale) for w in weights]
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


class _Writer:
    """Walks the view once; style objects are looked up once (python-docx scans styles by name)."""

    def __init__(self, doc: docx.document.Document, v: ReportView) -> None:
        self.doc, self.v = doc, v
        names = {s.name for s in doc.styles}
        self.bullet = doc.styles["List Bullet"] if "List Bullet" in names else None
        self.grid = doc.styles["Table Grid"] if "Table Grid" in names else None
        self.h1 = doc.styles["Heading 1"]
        self.title = doc.styles["Title"]
        self.end = doc.element.body.get_or_add_sectPr()
        sect = doc.sections[-1]
        # Length minus Length is a plain int; python-docx wants a Length back.
        self.text_width = Emu(
            (sect.page_width or Cm(21)) - (sect.left_margin or Cm(2.5)) - (sect.right_margin or Cm(2.5))
        )

    def para(self, text: str = "", style=None) -> Paragraph:
        """Document.add_paragraph searches the whole body for its sectPr on every call (quadratic
        for long reports); we keep the sectPr and insert before it directly."""
        p = OxmlElement("w:p")
        self.end.addprevious(p)
        para = Paragraph(p, self.doc._body)
        if style is not None:
            para.style = style
        if text:
            para.add_run(text)
        return para

    def new_table(self, rows: int, cols: int) -> Table:
        tbl = CT_Tbl.new_tbl(rows, cols, self.text_width)
        self.end.addprevious(tbl)
        return Table(tbl, self.doc._body)

    def table(self, headers: list[str]) -> Table:
        table = self.new_table(1, len(headers))
        if self.grid is not None:
            table.style = self.grid
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _rules(table)
        hdr = table.rows[0]
        trpr = hdr._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:tblHeader"))  # repeat the header row on every page
        for cell, text in zip(hdr.cells, headers, strict=True):
            _shade(cell, HEADER_FILL)
            _run(cell.paragraphs[0], text, bold=True, color=ACCENT, size=8.5)
        return table

    def cell_text(self, cell, text: str, *, size: float = 9, bold: bool = False) -> Paragraph:
        p = cell.paragraphs[0]
        rtl = labels.direction(text) == "rtl"
        if rtl:
            _rtl(p)
        _run(p, text, size=size, bold=bold, rtl=rtl)
        return p

    def write(self) -> None:
        v = self.v
        self.title_block()
        for s in v.sections:
            self.section(s)
        self.appendix()

    def title_block(self) -> None:
        v, ver = self.v, self.v.verification
        self.para(v.title, style=self.title)
        sub = self.para()
        _run(sub, f"Prepared from {len(v.sources)} source{'s' if len(v.sources) != 1 else ''} \u00b7 {v.date}",
             color=MUTED, size=11)
        if v.extractive:
            p = self.para()
            _run(p, "Extractive draft. ", bold=True, color=RED)
            _run(p, "Produced by the offline engine, which selects sentences from the sources rather than writing "
                    "conclusions. Every finding is a quotation; review it before relying on it. Where it has no "
                    "detector of measured quality it writes no findings and offers passages to read instead.",
                 color=RED)
        rows = [
            ("Sources", ", ".join(s.filename for s in v.sources) or "\u2014"),
            ("Date", v.date),
            ("Engine", v.engine),
            ("Template", f"{v.report.sop_id} (version {v.report.sop_version})"),
            ("Report", v.report.id),
            ("Verification", f"{ver['headline']}; "
                             f"{ver['citations']} quotations, {ver['located_pct']} located in the sources "
                             f"(verbatim {ver['by_status']['exact']}, normalised {ver['by_status']['normalized']}, "
                             f"approximate {ver['by_status']['fuzzy']}, not found {ver['by_status']['unsupported']})"),
        ]
        table = self.new_table(0, 2)
        for label, text in rows:
            cells = table.add_row().cells
            _run(cells[0].paragraphs[0], label, bold=True, color=MUTED, size=9)
            bad = label == "Verification" and (ver["items_unsupported"] or ver["items_inconsistent"])
            _run(cells[1].paragraphs[0], text, size=9, color=RED if bad else None)
        _widths(table, [1, 4], self.text_width)

    def section(self, s: SectionView) -> None:
        self.para(f"{s.number}  {s.title}", style=self.h1)
        for note in s.notes:
            _run(self.para(), note, italic=True, color=RED if s.status == "failed" else AMBER, size=9)
        if s.bare:
            _run(self.para(), "This section could not be completed." if s.status == "failed"
                 else "Nothing in the sources addresses this section.", italic=True, color=MUTED)
            return
        self.rows(s)
        self.passages(s)

    def passages(self, s: SectionView) -> None:
        """Passages to read: set apart from the findings, quoted whole, never numbered as quotations."""
        by_row = [(row.primary, row.passages) for row in s.rows if row.passages]
        if not s.passages and not by_row:
            return
        p = self.para()
        _run(p, view.PASSAGES_HEADING.upper(), bold=True, color=MUTED, size=8)
        _run(self.para(), view.PASSAGES_INTRO, italic=True, color=MUTED, size=8.5)
        for name, ps in by_row:
            _run(self.para(), name, bold=True, size=9)
            for r in ps:
                self.read(r)
        for r in s.passages:
            self.read(r)

    def read(self, r: Read) -> None:
        p = self.para(style=self.bullet)
        rtl = r.dir == "rtl"
        if rtl:
            _rtl(p)
        _run(p, f"\u201c{r.quote}\u201d", size=9.5, rtl=rtl)
        _run(p, f"  \u2014 {r.label}", color=MUTED, size=8)

    def rows(self, s: SectionView) -> None:
        if not s.rows:
            return
        if s.kind == "table":
            self.grid_table([h for _, h in s.columns] + ["Sources"], s, [k for k, _ in s.columns])
        elif s.kind == "scorecard":
            self.grid_table(["Criterion", "Rating", "Rationale", "Evidence"], s, ["name", "rating", "rationale"])
        elif s.kind == "verdict":
            for row in s.rows:
                self.verdict(row)
        else:
            style = self.bullet if s.kind == "list" else None
            for row in s.rows:
                p = self.para(style=style)
                rtl = row.dir == "rtl"
                if rtl:
                    _rtl(p)
                _run(p, row.primary, rtl=rtl)
                _refs(p, row.notes)
                for key, val in row.extra:
                    _run(p, f"  {key}: ", bold=True, color=MUTED, size=8.5)
                    _run(p, val, color=MUTED, size=8.5)
                _marks(p, row)

    def grid_table(self, headers: list[str], s: SectionView, keys: list[str]) -> None:
        table = self.table(headers)
        for row in s.rows:
            cells = table.add_row().cells
            for i, key in enumerate(keys):
                p = self.cell_text(cells[i], row.cells.get(key, "\u2014"), bold=s.kind == "scorecard" and i < 2)
                if i == 0:
                    _marks(p, row)
            src = cells[len(keys)].paragraphs[0]
            for j, note in enumerate(row.notes):
                if j:
                    _run(src, "\n")
                _link(src, f"[{note.n}]", f"note_{note.n}", ACCENT if note.located else RED, bold=not note.located)
                _run(src, f" {note.label}", size=8, color=MUTED if note.located else RED)
            if row.badge:
                for cell in cells:
                    _shade(cell, "FDECEA")
        weights = [1.6, 1.1, 2.6] if s.kind == "scorecard" else [3.0] + [1.2] * (len(keys) - 1)
        _widths(table, weights + [1.9], self.text_width)
        self.para()

    def verdict(self, row: Row) -> None:
        table = self.new_table(1, 1)
        _rules(table)
        cell = table.rows[0].cells[0]
        _shade(cell, "FDECEA" if row.badge else CALLOUT_FILL)
        p = cell.paragraphs[0]
        _run(p, (row.primary_key or "verdict").replace("_", " ").upper(), bold=True, color=MUTED, size=8)
        p = cell.add_paragraph()
        _run(p, row.primary, bold=True, color=ACCENT, size=15)
        for key, val in row.extra:
            p = cell.add_paragraph()
            if len(row.extra) > 1:
                _run(p, f"{key}: ", bold=True, color=MUTED, size=9)
            _run(p, val, rtl=labels.direction(val) == "rtl")
        p = cell.add_paragraph()
        _refs(p, row.notes)
        _marks(p, row)
        self.para()

    def appendix(self) -> None:
        v = self.v
        self.para("Issues raised", style=self.h1)
        if not v.issues:
            _run(self.para(), "No issues were raised while building this report.", italic=True, color=MUTED)
        for issue in v.issues:
            p = self.para()
            color = {"error": RED, "warning": AMBER}.get(issue["severity"], MUTED)
            _run(p, issue["severity"].upper() + "  ", bold=True, color=color, size=8)
            _run(p, issue["message"])
            if issue["where"]:
                _run(p, f" ({issue['where']})", color=MUTED, size=9)
        self.para("Sources", style=self.h1)
        table = self.table(["File", "Type", "Length", "Speakers", "SHA-256"])
        for src in v.sources:
            cells = table.add_row().cells
            for cell, text in zip(cells, (src.filename, f"{src.kind} ({src.format})", src.extent, src.speakers,
                                          src.sha256), strict=True):
                self.cell_text(cell, text, size=8.5)
            for w in src.warnings:
                _run(cells[0].add_paragraph(), w, color=AMBER, size=8)
        _widths(table, [3, 1.4, 1.1, 2, 1.4], self.text_width)
        self.para()
        self.para("Quotations", style=self.h1)
        for sec in v.sections:
            for row in sec.rows:
                for note in row.notes:
                    self.quotation(note)

    def quotation(self, note: Note) -> None:
        p = self.para()
        p.paragraph_format.space_after = Pt(3)
        _bookmark(p, f"note_{note.n}", note.n)
        color = None if note.located else RED
        _run(p, f"[{note.n}] ", bold=True, color=ACCENT if note.located else RED, size=9)
        if note.href:  # the source PDF at its page, relative to where the report is saved
            _external_link(p, note.where, note.href, MUTED)
            _run(p, ": ", color=MUTED, size=9)
        else:
            _run(p, f"{note.where}: ", color=MUTED, size=9)
        _run(p, f"\u201c{note.quote}\u201d", size=9, color=color, rtl=note.dir == "rtl")
        if note.match:
            _run(p, f" ({note.match})", size=8.5, bold=not note.located, color=RED if not note.located else AMBER)


def render_docx(
    report: Report,
    path: Path | str,
    reference_docx: Path | str | None = None,
    *,
    documents: list[Document] | None = None,
) -> Path:
    """Write the DOCX and return its path."""
    report = _xml_safe(report)
    documents = [_xml_safe(d) for d in documents] if documents else documents
    doc = _open(reference_docx)
    _Writer(doc, view.build(report, documents)).write()
    doc.core_properties.title = report.sop_name or report.sop_id
    doc.core_properties.subject = f"reportgen report {report.id}"
    doc.core_properties.author = "reportgen"
    out = Path(path)
    doc.save(str(out))
    return out


# XML 1.0 cannot hold C0 controls other than tab, LF and CR (nor U+FFFE/U+FFFF), and lxml refuses
# them: a vertical tab (Word's line break) in a source quote made every DOCX download a 500.
# Ingest drops them now, but documents and reports stored before that still carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_M = TypeVar("_M", bound=BaseModel)


def _xml_safe(model: _M) -> _M:
    """The model with XML-invalid characters replaced (a line break for \\x0b and \\x0c, else nothing)."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            if not _XML_INVALID.search(value):
                return value
            return _XML_INVALID.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", value)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    dumped = model.model_dump()
    cleaned = clean(dumped)
    return model if cleaned == dumped else type(model).model_validate(cleaned)
