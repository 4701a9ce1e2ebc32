"""Where a located quote sits on the PDF page: PDFium character boxes merged into line rectangles.

Ingest keeps no per-character data (a data room of contracts would carry millions of boxes
nobody looks at), so boxes are computed afterwards, only for the quotes a report cites, from
the PDF's original bytes. The link between the canonical text and PDFium's character
indices is rebuilt from the same rules `reportgen.ingest.pdf` used to make the text: one
`get_text_range` per page, cleaned character by character (`clean_with_index`, equal to
`clean_page_text` plus the index of each character kept), split into stripped lines that
the page's segments hold in order. A page whose segments do not line up (OCR'd pages, a
PDF changed since) simply gets no boxes: a missing box is shown as the page alone, a wrong
one would point at the wrong words.

Coordinates are PDF points with the origin at the top left of the page as shown (the crop
box), like `pdftotext -bbox`; `w` and `h` are the page's size, so a viewer scales by
`image width / w`. Pages with a /Rotate are left without boxes (the rendered image is
turned, the boxes would not be).

Memory stays bounded: one PDF is open at a time, pages are visited in order and closed, and
only the character boxes of quoted ranges are read.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from reportgen.ingest.pdf import _CONTROL_RE, _REPLACE, PDFIUM_LOCK
from reportgen.models import Box, Citation, Document

_MAP = dict(_REPLACE)
# What clean_page_text changes: line ends, PDFium's markers (_REPLACE) and control characters (_CONTROL_RE).
_SPECIAL = re.compile("\r\n?|[" + "".join(re.escape(c) for c, _ in _REPLACE if c != "\r") + "]|" + _CONTROL_RE.pattern)
# Two characters closer than this share of the line height in x are one run; a wider gap (a column
# gutter, a tab stop) starts a new rectangle so a highlight never spans white space between columns.
MAX_GAP = 2.5
MAX_BOXES = 200  # per citation: a quote that spans pages of text is marked by its first lines


def clean_with_index(raw: str) -> tuple[str, list[int]]:
    """`clean_page_text(raw)` and, for each of its characters, the PDFium char index it came from.

    Most characters are kept as they are, so only the special ones are visited: the runs between
    them are copied with their indices in one step (a char-by-char loop cost 60 ms a page)."""
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    for m in _SPECIAL.finditer(raw):
        start = m.start()
        if start > pos:
            out.append(raw[pos:start])
            idx.extend(range(pos, start))
        token = m.group()
        if token == "\r\n":
            out.append("\n")
            idx.append(start + 1)
        else:
            rep = _MAP.get(token, "")  # control characters map to nothing
            if rep:
                out.append(rep)
                idx.append(start)
        pos = m.end()
    if pos < len(raw):
        out.append(raw[pos:])
        idx.extend(range(pos, len(raw)))
    return "".join(out), idx


@dataclass
class _PageMap:
    """One page's canonical lines: where each starts in the document text and its PDFium indices."""

    starts: list[int]  # document char offset of each canonical line
    lines: list[list[int]]  # PDFium char index of each character of the line


def _page_map(raw: str, segments: list[tuple[int, str]]) -> _PageMap | None:
    """Match the page's stripped non-empty lines to its segments' lines; None when they disagree."""
    clean, idx = clean_with_index(raw)
    found: list[list[int]] = []
    texts: list[str] = []
    pos = 0
    for line in clean.split("\n"):
        lead = len(line) - len(line.lstrip())
        stripped = line.strip()
        if stripped:
            texts.append(stripped)
            found.append(idx[pos + lead : pos + lead + len(stripped)])
        pos += len(line) + 1
    starts: list[int] = []
    lines: list[list[int]] = []
    k = 0
    for char_start, text in segments:
        offset = char_start
        for line in text.split("\n"):
            if k >= len(texts) or texts[k] != line:
                return None
            starts.append(offset)
            lines.append(found[k])
            offset += len(line) + 1
            k += 1
    return _PageMap(starts, lines)


def _indices(pm: _PageMap, cs: int, ce: int) -> list[int]:
    """PDFium char indices of the document range [cs, ce) that lies on this page."""
    out: list[int] = []
    k = max(0, bisect_right(pm.starts, cs) - 1)
    while k < len(pm.starts) and pm.starts[k] < ce:
        a = max(cs, pm.starts[k]) - pm.starts[k]
        b = min(ce, pm.starts[k] + len(pm.lines[k])) - pm.starts[k]
        if b > a:
            out.extend(pm.lines[k][a:b])
        k += 1
    return out


def _merge(boxes: Iterable[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Character boxes (left, bottom, right, top) in reading order → one rectangle per line run."""
    rects: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left or top <= bottom:
            continue
        if rects:
            r = rects[-1]
            height = max(r[3] - r[1], top - bottom)
            mid = (bottom + top) / 2
            same_line = r[1] - 0.2 * height <= mid <= r[3] + 0.2 * height
            if same_line and -height <= left - r[2] <= MAX_GAP * height:
                r[0], r[1], r[2], r[3] = min(r[0], left), min(r[1], bottom), max(r[2], right), max(r[3], top)
                continue
        rects.append([left, bottom, right, top])
    return [(a, b, c, d) for a, b, c, d in rects]


def _page_boxes(
    page: pdfium.PdfPage, tp: pdfium.PdfTextPage, text: str, pm: _PageMap, number: int, cs: int, ce: int
) -> list[Box]:
    chars = _indices(pm, cs, ce)
    if not chars:
        return []
    raw = [tp.get_charbox(i, loose=True) for i in chars if i < len(text) and not text[i].isspace()]
    left, bottom, right, top = page.get_cropbox()
    w, h = right - left, top - bottom
    return [
        Box(page=number, x0=round(x0 - left, 2), y0=round(top - y1, 2), x1=round(x1 - left, 2),
            y1=round(top - y0, 2), w=round(w, 2), h=round(h, 2))
        for x0, y0, x1, y1 in _merge(raw)
    ]


def attach_boxes(
    citations: Iterable[Citation], documents: Iterable[Document], pdf_bytes: Callable[[Document], bytes | None]
) -> int:
    """Set `boxes` on every located citation into a text PDF; returns how many citations got boxes.

    `pdf_bytes` gives a document's original bytes (from the blob store, a file, a zip member) or
    None when they are gone; it is called once per cited PDF, and that PDF is closed before the next.
    """
    docs = {d.id: d for d in documents if d.kind == "pdf"}
    wanted: dict[str, list[Citation]] = defaultdict(list)
    for c in citations:
        if c.located and c.document_id in docs and c.char_start is not None and c.char_end is not None:
            wanted[c.document_id or ""].append(c)
    done = 0
    for doc_id, cites in wanted.items():
        doc = docs[doc_id]
        data = pdf_bytes(doc)
        if data is None:
            continue
        done += _document_boxes(doc, data, cites)
    return done


def _document_boxes(doc: Document, data: bytes, cites: list[Citation]) -> int:
    by_page: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for s in doc.segments:
        if s.page is not None:
            by_page[s.page].append((s.char_start, s.text))
    skip = set(doc.meta.get("ocr_pages") or ())
    # the pages each citation touches, from its segments (a quote may run onto the next page)
    need: dict[int, list[Citation]] = defaultdict(list)
    seg_page = {s.id: s.page for s in doc.segments}
    for c in cites:
        pages = {p for i in c.segment_ids if (p := seg_page.get(i)) is not None}
        for p in sorted(pages - skip):
            need[p].append(c)
    got: dict[int, list[Box]] = defaultdict(list)
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return 0
        try:
            for number in sorted(need):
                if number > len(pdf):
                    continue
                page = pdf[number - 1]
                try:
                    if page.get_rotation() % 360:
                        continue
                    tp = page.get_textpage()
                    try:
                        raw = tp.get_text_range()
                        pm = _page_map(raw, by_page[number])
                        if pm is not None:
                            for c in need[number]:
                                got[id(c)].extend(
                                    _page_boxes(page, tp, raw, pm, number, c.char_start or 0, c.char_end or 0)
                                )
                    finally:
                        tp.close()
                finally:
                    page.close()
        finally:
            pdf.close()
    for c in cites:
        c.boxes = got.get(id(c), [])[:MAX_BOXES]
    return sum(bool(c.boxes) for c in cites)


def bytes_from_sources(sources: Iterable[object]) -> Callable[[Document], bytes | None]:
    """A `pdf_bytes` for `attach_boxes` over what `reportgen.generate` was given: paths, bytes, zips.

    The index (SHA-256 → where the bytes are) is built on the first call and holds paths and zip
    member names, never the bytes, so a data room given as files is read again one PDF at a time.
    """
    index: dict[str, tuple[object, str | None]] = {}
    built = False

    def build() -> None:
        for src in sources:
            if isinstance(src, (bytes, bytearray)):
                index.setdefault(hashlib.sha256(src).hexdigest(), (src, None))
            elif isinstance(src, (str, Path)) and Path(src).is_file():
                path = Path(src)
                data = path.read_bytes()
                index.setdefault(hashlib.sha256(data).hexdigest(), (path, None))
                if zipfile.is_zipfile(io.BytesIO(data)):
                    with zipfile.ZipFile(io.BytesIO(data)) as zf:
                        for info in zf.infolist():
                            if not info.is_dir() and info.filename.lower().endswith(".pdf"):
                                member = zf.read(info)
                                index.setdefault(hashlib.sha256(member).hexdigest(), (path, info.filename))

    def get(doc: Document) -> bytes | None:
        nonlocal built
        if not built:
            build()
            built = True
        where = index.get(doc.sha256)
        if where is None:
            return None
        src, member = where
        if isinstance(src, (bytes, bytearray)):
            return bytes(src)
        if member is None:
            return Path(str(src)).read_bytes()
        with zipfile.ZipFile(str(src)) as zf:
            return zf.read(member)

    return get
