"""DOCX → Document: paragraphs and table rows, in body order, streamed from the zip.

The main document part is found through the package's relationships and content types (as
python-docx does) and then read with lxml's `iterparse` straight from the zip stream: each
top-level paragraph, and each row of a top-level table, is read and then dropped, so memory
is bounded by one block, not by the document. Building the whole tree (python-docx) took
5 GB for a 7.6 MB DOCX holding 150 MB of XML. The inflated part is capped at the per-file
limit and its compression ratio, one block at `Limits.max_docx_xml_elements` elements, and
the text at the document limits. python-docx's `Paragraph.text` was not used anyway: it drops
tracked insertions and runs two pages together at a page break. Segments: one per non-empty paragraph
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
import posixpath
import zipfile
import zlib
from typing import IO

from lxml import etree

from reportgen.errors import IngestError, MalformedSourceError, TooLargeError, UnsafeArchiveError
from reportgen.ingest.archive import RATIO_FLOOR_BYTES, check_declared_sizes
from reportgen.ingest.build import TextBuilder, finish
from reportgen.ingest.limits import DEFAULT_LIMITS, Limits
from reportgen.models import Document

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def qn(tag: str) -> str:
    """`w:p` -> Clark notation, as python-docx's `qn` (only the namespaces this reader needs)."""
    prefix, local = tag.split(":")
    return f"{{{_NS[prefix]}}}{local}"


_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_OFFICE_DOCUMENT = "/officeDocument"  # the end of the package relationship type of the main part
_MAIN_TYPES = ("wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml",
               "ms-word.document.macroEnabled.main+xml", "ms-word.template.macroEnabledTemplate.main+xml")
_SMALL_PART = 4 * 1024 * 1024  # [Content_Types].xml and _rels/.rels: a few KB in any real file

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_BODY = qn("w:body")
_R, _T, _TAB, _PTAB, _BR, _CR = qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:ptab"), qn("w:br"), qn("w:cr")
_NB_HYPHEN, _RENDERED = qn("w:noBreakHyphen"), qn("w:lastRenderedPageBreak")
_SDT, _SDT_CONTENT = qn("w:sdt"), qn("w:sdtContent")
# Inline containers whose runs are part of the text (deletions, w:del and w:moveFrom, are not).
_RUN_CONTAINERS = {qn(f"w:{t}") for t in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "dir")}
_TYPE, _VAL = qn("w:type"), qn("w:val")
_PPR, _PAGE_BREAK_BEFORE, _SECT_PR = qn("w:pPr"), qn("w:pageBreakBefore"), qn("w:sectPr")
_FALSE = {"0", "false", "off"}


def _damaged(filename: str, why: str) -> MalformedSourceError:
    return MalformedSourceError(
        f"the Word document is damaged and cannot be read ({why}). Open it in Word or LibreOffice and save it "
        "again, or export it to PDF.",
        filename=filename,
    )


def parse_docx(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse a Word document's bytes; a damaged file raises MalformedSourceError, an oversized one 413."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_declared_sizes(zf.infolist(), len(data), limits, filename)
            info = zf.getinfo(_main_part(zf, limits, filename))
            reader = _BodyReader(rendered=_has_rendered_breaks(zf, info, limits, filename), limits=limits)
            _stream_body(zf, info, reader, limits, filename)
    except IngestError:
        raise
    except etree.XMLSyntaxError as exc:
        raise _damaged(filename, f"broken XML: {exc}") from None
    except (ValueError, KeyError, AttributeError, IndexError, TypeError) as exc:
        raise MalformedSourceError(
            f"the Word document has a structure that cannot be read ({type(exc).__name__}: {exc}). "
            "Open it in Word or LibreOffice and save it again, or export it to PDF.",
            filename=filename,
        ) from None
    except Exception as exc:  # noqa: BLE001 - zipfile/zlib/lxml raise many types on damaged input
        raise _damaged(filename, type(exc).__name__) from None

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


def _parser_args() -> dict:
    # No entities, no network, libxml2's own size limits kept (huge_tree off): the XML is untrusted.
    return {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}


def _small_xml(zf: zipfile.ZipFile, name: str, filename: str) -> etree._Element | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _SMALL_PART:
        raise _damaged(filename, f"{name} is {info.file_size / 1e6:.0f} MB")
    with zf.open(info) as f:
        raw = f.read(_SMALL_PART + 1)
    if len(raw) > _SMALL_PART:
        raise _damaged(filename, f"{name} is larger than it declares")
    return etree.fromstring(raw, etree.XMLParser(**_parser_args()))


def _main_part(zf: zipfile.ZipFile, limits: Limits, filename: str) -> str:
    """The main document part's name, from the package relationships, checked against its content type."""
    part = "word/document.xml"
    rels = _small_xml(zf, "_rels/.rels", filename)
    if rels is not None:
        for rel in rels:
            if str(rel.get("Type", "")).endswith(_OFFICE_DOCUMENT) and rel.get("Target"):
                part = posixpath.normpath(str(rel.get("Target")).lstrip("/"))
                break
    types = _small_xml(zf, "[Content_Types].xml", filename)
    content_type = ""
    if types is not None:
        for entry in types:
            if str(entry.get("PartName", "")).lstrip("/") == part:
                content_type = str(entry.get("ContentType", ""))
    if not content_type.endswith(_MAIN_TYPES):
        raise _damaged(filename, f"no Word main document part is declared (content type {content_type or 'none'!r})")
    if part not in zf.NameToInfo:
        raise _damaged(filename, f"its main part {part} is missing")
    return part


class _Capped(io.RawIOBase):
    """A zip member's stream that stops at the per-file limit and the ratio cap while it inflates,
    and at the block limit when one paragraph or row goes on past `max_docx_block_bytes`."""

    def __init__(self, stream: IO[bytes], info: zipfile.ZipInfo, limits: Limits, filename: str) -> None:
        self._stream, self._info, self._limits, self._filename = stream, info, limits, filename
        self._ratio_cap = max(int(limits.max_zip_ratio * max(info.compress_size, 1)), RATIO_FLOOR_BYTES)
        self.size = 0
        self.block_start = 0  # where the block being parsed began (set by the reader as it drops blocks)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(n if n and n > 0 else 1024 * 1024)
        self.size += len(chunk)
        limits = self._limits
        if self.size > limits.max_file_bytes:
            raise TooLargeError(
                f"the Word document's text part {self._info.filename} unpacks to more than the "
                f"{limits.max_file_bytes / 1e6:.0f} MB per-file limit. Split the document, or export it to PDF.",
                filename=self._filename,
            )
        if self.size > self._ratio_cap or self.size > max(self._info.file_size, RATIO_FLOOR_BYTES):
            raise UnsafeArchiveError(
                f"the Word document's part {self._info.filename} unpacks to more than it declares or to over "
                f"{limits.max_zip_ratio:.0f} times its compressed size: it looks like a zip bomb and is refused.",
                filename=self._filename,
            )
        if self.size - self.block_start > limits.max_docx_block_bytes + len(chunk):
            raise TooLargeError(
                f"one paragraph or table row of this Word document is over {limits.max_docx_block_bytes / 1e6:.0f} MB "
                "of XML, the limit for one block. Split it, or export the document to PDF.",
                filename=self._filename,
            )
        return chunk


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, filename: str) -> _Capped:
    try:
        return _Capped(zf.open(info), info, limits, filename)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError) as exc:
        raise _damaged(filename, str(exc)) from None


def _drop(el: etree._Element) -> None:
    """Free a block once read: its children and the siblings already read before it."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _has_rendered_breaks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, filename: str) -> bool:
    """First pass, on the raw stream: whether Word saved its layout (any w:lastRenderedPageBreak).

    A byte scan, not a parse: a third of the time of parsing, and the caps still apply."""
    needle = b"lastRenderedPageBreak"
    stream = _stream(zf, info, limits, filename)
    tail = b""
    while chunk := stream.read(1024 * 1024):
        stream.block_start = stream.size  # no blocks in a byte scan
        if needle in tail + chunk[: len(needle)] or needle in chunk:
            return True
        tail = chunk[-len(needle):]
    return False


_BLOCK_TAGS = (_P, _TBL, _TR, _SDT)


def _stream_body(zf: zipfile.ZipFile, info: zipfile.ZipInfo, reader: _BodyReader, limits: Limits,
                 filename: str) -> None:
    """Second pass: hand each top-level block (each row, for a table) to the reader, then drop it.

    Only the end of a paragraph, table, row or content control is an event (lxml filters the
    rest in C); what is read is dropped at once, so the tree in memory is one block at most."""
    stream = _stream(zf, info, limits, filename)
    table = None
    for _, el in etree.iterparse(stream, events=("end",), tag=_BLOCK_TAGS, **_parser_args()):
        parent = el.getparent()
        if parent is None:
            continue
        if el.tag == _TR:
            if parent.tag != _TBL or parent.getparent() is None or parent.getparent().tag != _BODY:
                continue  # a row of a nested table: read with its cell
            if parent is not table:
                table = parent
                reader.start_table()
            reader.table_row(el)
        elif parent.tag != _BODY:
            continue
        elif el.tag == _TBL:
            table = None
        else:
            reader.read_block(el)
        _drop(el)
        stream.block_start = stream.size


class _BodyReader:
    """Walks the body XML in order, tracking the current page."""

    def __init__(self, *, rendered: bool, limits: Limits = DEFAULT_LIMITS) -> None:
        self.rendered = rendered
        self.builder = TextBuilder(limits)
        self.page = 1
        self.any_break = False
        self._first_row = True

    def read(self, container) -> None:
        for child in container.iterchildren():
            self.read_block(child)

    def read_block(self, child) -> None:
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
        self.start_table()
        for tr in tbl.iterchildren(_TR):
            self.table_row(tr)

    def start_table(self) -> None:
        self._first_row = True

    def table_row(self, tr) -> None:
        """One row as one segment, its cells joined with " | " (the first row opens a paragraph)."""
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
            self.builder.add(" | ".join(cells), page=self.page, sep="\n\n" if self._first_row else "\n")
            self._first_row = False
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
