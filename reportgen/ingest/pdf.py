"""PDF → Document through PDFium (pypdfium2): text per page, one segment per text block.

Speed matters (data rooms of hundreds of contracts), so each page costs exactly one
PDFium text call (`get_text_range`) and everything else (line clean-up, paragraph
detection) is plain string work in Python; no per-character API calls. PDFium gives lines
but no paragraphs, so blocks are inferred from the lines: a blank line, a line that
starts a numbered/lettered clause or bullet, a short line ending a sentence (the last
line of a justified paragraph), or an all-caps heading ends a block; blocks are also
capped in size so one segment never swallows a page.

Canonical text: within a block, lines are kept and joined with "\\n"; blocks and pages
are separated by a blank line. PDFium's "\\r\\n" becomes "\\n", and its U+FFFE marker
for a hyphen at a line break becomes the "-" printed on the page.

PDFium is not thread-safe (not even across documents), so every PDFium call here runs
under one process-wide lock; OCR (a subprocess) runs outside it.
"""

from __future__ import annotations

import io
import re
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from reportgen.errors import EncryptedPDFError, MalformedSourceError
from reportgen.ingest import ocr as ocr_mod
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document

PDFIUM_LOCK = threading.RLock()

PASSWORD_HINT = "--password on the CLI, password= in Python, or the `password` form field in the API"
OCR_HINT = "run with --ocr (ocr=True in Python; needs tesseract-ocr) to recognise it"

# Block size bounds (characters): past SOFT a block ends at the next sentence end, past HARD anywhere.
SOFT_BLOCK_CHARS = 1500
HARD_BLOCK_CHARS = 3000

# A line shorter than this share of the page's typical line length ends its paragraph
# when it also ends a sentence (justified text fills every line but the last).
SHORT_LINE = 0.72

# PDFium's marker characters and what the page shows instead.
_REPLACE = (
    ("\ufffe", "-"),  # PDFium: a hyphen at a line break
    ("\x02", "-"),  # older PDFium builds use STX for the same
    ("\r", "\n"),
    ("\x0c", "\n"),
    ("\u00a0", " "),
    ("\ufeff", ""),
)
_CONTROL_RE = re.compile(r"[\x00\x01\x03-\x08\x0b\x0e-\x1f\x7f]")

# Starts of clauses, list items and bullets: "4. ", "4.1 ", "(a) ", "a) ", "(iv) ", "• ", "Section 3".
_BLOCK_START = re.compile(
    r"(?:\d{1,3}(?:\.\d{1,3})*[.)]?\s|\(\w{1,4}\)\s|[a-zA-Z][.)]\s|[ivxIVX]{1,5}[.)]\s|[•▪●◦■‣∙·*–-]\s"
    r"|[“\"‘]\w|(?:section|article|schedule|exhibit|annex|appendix|clause)\s+[\dIVXivx]+\b)",
    re.IGNORECASE,
)
_SENTENCE_END = (".", ":", ";", "?", "!", '."', ".”", ".'", ".’", ".)", ":)")


def parse_pdf(data: bytes, filename: str, *, password: str | None = None, ocr: bool = False) -> Document:
    """Parse a PDF's bytes; pages without text get a warning each, or OCR when `ocr` is set."""
    warnings: list[str] = []
    page_texts: list[str] = []
    no_text_pages: list[int] = []  # 1-based
    images: dict[int, bytes] = {}
    tesseract = ocr_mod.tesseract_path() if ocr else None

    with PDFIUM_LOCK:
        pdf = _open(data, filename, password)
        try:
            n_pages = len(pdf)
            for index in range(n_pages):
                number = index + 1
                try:
                    page = pdf[index]
                except pdfium.PdfiumError as exc:
                    warnings.append(f"page {number} could not be read ({exc}); it is left out.")
                    page_texts.append("")
                    continue
                raw = ""
                try:
                    raw = _page_text(page)
                    if not raw.strip() and pdfium_c.FPDFPage_CountObjects(page.raw) > 0:
                        no_text_pages.append(number)
                        if tesseract:
                            images[number] = _render_png(page)
                except pdfium.PdfiumError as exc:
                    warnings.append(f"page {number} could not be read ({exc}); its text may be missing.")
                finally:
                    page.close()
                page_texts.append(raw)
        finally:
            pdf.close()

    ocr_pages: list[int] = []
    if no_text_pages and ocr and not tesseract:
        warnings.append(
            f"{_pages_phrase(no_text_pages)} no text layer and OCR was asked for, but tesseract is not "
            f"installed; {ocr_mod.INSTALL_HINT} and run again."
        )
    for number in no_text_pages:
        if number in images:
            try:
                page_texts[number - 1] = ocr_mod.ocr_png(images.pop(number))
            except ocr_mod.OCRFailed as exc:
                warnings.append(f"page {number} has no text layer and OCR failed: {exc}")
                continue
            if page_texts[number - 1].strip():
                ocr_pages.append(number)
                warnings.append(
                    f"page {number} has no text layer; its text was recognised by OCR and may contain errors."
                )
            else:
                warnings.append(f"page {number} has no text layer and OCR found no text on it.")
        elif not ocr:
            warnings.append(f"page {number} has no text layer; {OCR_HINT}.")

    builder = TextBuilder()
    for number, raw in enumerate(page_texts, start=1):
        for block in split_blocks(raw):
            builder.add(block, page=number, sep="\n\n")

    if not builder.segments and not no_text_pages:
        # No page was flagged above (a page can hold no text and no drawn objects, or only
        # whitespace), and an empty document without a word looked like a working one.
        warnings.append(
            f"no text could be read from any of its {len(page_texts)} page(s): they are blank or have no text "
            f"layer (a scan, or text drawn as shapes), so a report will find nothing in it. If it is a scan, "
            f"{OCR_HINT}; otherwise export the PDF again with its text."
        )
    meta: dict[str, object] = {}
    if no_text_pages:
        meta["pages_without_text"] = no_text_pages
    if ocr_pages:
        meta["ocr_pages"] = ocr_pages
    return finish(
        builder,
        data=data,
        filename=filename,
        kind="pdf",
        format="pdf",
        media_type="application/pdf",
        pages=len(page_texts),
        warnings=warnings,
        meta=meta,
    )


def _open(data: bytes, filename: str, password: str | None) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data, password=password or None)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            if password:
                raise EncryptedPDFError(
                    f"the password given does not open this encrypted PDF. Pass the right one ({PASSWORD_HINT}).",
                    filename=filename,
                ) from None
            raise EncryptedPDFError(
                f"the PDF is encrypted with a password. Give the password ({PASSWORD_HINT}).", filename=filename
            ) from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedPDFError(
                "the PDF uses an encryption scheme PDFium does not support. Decrypt it first "
                "(e.g. `qpdf --decrypt in.pdf out.pdf`) and upload the decrypted copy.",
                filename=filename,
            ) from None
        raise MalformedSourceError(
            "the PDF is damaged or truncated and cannot be opened. Download or export it again; if it "
            "opens in a viewer, printing it to a new PDF usually repairs it.",
            filename=filename,
        ) from None


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range()
    finally:
        textpage.close()


def _render_png(page: pdfium.PdfPage) -> bytes:
    bitmap = page.render(scale=ocr_mod.OCR_DPI / 72, grayscale=True)
    try:
        image = bitmap.to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
    finally:
        bitmap.close()


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]} has"
    shown = ", ".join(str(n) for n in numbers[:10]) + (", ..." if len(numbers) > 10 else "")
    return f"{len(numbers)} pages ({shown}) have"


def clean_page_text(raw: str) -> str:
    """PDFium's page text with line breaks as "\\n" and its marker characters resolved."""
    text = raw.replace("\r\n", "\n")
    for char, replacement in _REPLACE:  # `in` is a fast scan; most pages need none of these
        if char in text:
            text = text.replace(char, replacement)
    if _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub("", text)
    return text


def split_blocks(raw: str) -> list[str]:
    """Paragraph-like blocks of one page's text (see the module docstring for the rules)."""
    lines = [line.strip() for line in clean_page_text(raw).split("\n")]
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return []
    typical = lengths[int(len(lengths) * 0.9)] if len(lengths) >= 5 else lengths[-1]
    short = typical * SHORT_LINE

    blocks: list[str] = []
    current: list[str] = []
    size = 0
    prev = ""
    for line in lines:
        if not line:
            if current:
                blocks.append("\n".join(current))
                current, size = [], 0
            prev = ""
            continue
        if current and _breaks(prev, line, short, size):
            blocks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        prev = line
    if current:
        blocks.append("\n".join(current))
    return blocks


def _breaks(prev: str, line: str, short: float, size: int) -> bool:
    """Whether `line` starts a new block after `prev` (the last line of the current block)."""
    ends_sentence = prev.endswith(_SENTENCE_END)
    if size >= HARD_BLOCK_CHARS or (size >= SOFT_BLOCK_CHARS and ends_sentence):
        return True
    if _BLOCK_START.match(line) and (ends_sentence or len(prev) < short):
        return True
    if len(prev) < short:
        if ends_sentence:
            return True
        if _is_heading(prev) or _is_heading(line):
            return True
    return False


def _is_heading(line: str) -> bool:
    return len(line) > 2 and line.isupper() and len(line) < 100
