"""Bytes to text without mojibake, or a clear refusal for binary files.

Transcripts arrive from Windows tools as UTF-16 with a BOM, from old editors as cp1252,
and from everything else as UTF-8 (sometimes with a BOM). The order of attempts below is
what makes each of those come out right: BOMs first (they are unambiguous), then strict
UTF-8 (which almost never accepts non-UTF-8 text by accident), then cp1252.
"""

from __future__ import annotations

import codecs
import re

from reportgen.errors import UnsupportedFormatError

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# Control characters that never occur in real text files (tab, LF, FF, CR and ESC-free).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}
_TRANSLATE_NEWLINES = str.maketrans({"\x00": None})
# What is left of control characters after decoding, normalised as the PDF path does: a vertical
# tab is Word's line break and a form feed a page break (both become "\n"); terminal colour codes
# go whole; every other C0 control, DEL and the two non-characters go. None of them is text a
# reader sees, and XML (DOCX) cannot hold them at all, so keeping them broke the DOCX output.
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL_RE = re.compile(r"[\x01-\x08\x0e-\x1f\x7f\ufffe\uffff]")
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def _binary_error(filename: str) -> UnsupportedFormatError:
    return UnsupportedFormatError(
        "this looks like a binary file, not text. reportgen reads transcripts (.vtt, .srt, .sbv, .json, .txt), "
        "Markdown, PDF, DOCX and ZIP files: export or convert the file to one of those and upload it again.",
        filename=filename,
    )


def _guess_utf16(sample: bytes) -> str | None:
    """UTF-16 without a BOM shows up as a NUL in every other byte of ASCII-heavy text."""
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, filename: str = "upload") -> tuple[str, str]:
    """Return (text, encoding). Newlines become "\\n" and NULs are dropped; the BOM is removed."""
    text: str | None = None
    encoding = ""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                text = data[len(bom) :].decode(enc, errors="replace")
            encoding = enc
            break
    if text is None:
        sample = data[:4096]
        utf16 = _guess_utf16(sample)
        if utf16:
            text = data.decode(utf16, errors="replace")
            encoding = utf16
        else:
            if sample.count(0) > len(sample) // 100 + 1:
                raise _binary_error(filename)
            try:
                text = data.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError:
                # cp1252 leaves five bytes undefined; those become U+FFFD rather than failing.
                text = data.decode("cp1252", errors="replace")
                encoding = "cp1252"
    sample_text = text[:4096]
    if sample_text:
        controls = sum(1 for ch in sample_text if ord(ch) in _CONTROL and ch != "\x00")
        replaced = sample_text.count("\ufffd")
        if controls > 0.1 * len(sample_text) or replaced > 0.3 * len(sample_text):
            raise _binary_error(filename)
    if "\x00" in text:  # str.translate takes a slow path on any non-ASCII text (113 ms on a 150 KB caption)
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return normalize_controls(text), encoding


def normalize_controls(text: str) -> str:
    """Text without control characters: line and page breaks become "\\n", the rest is dropped."""
    if "\x0b" in text or "\x0c" in text:
        text = text.translate(_BREAKS)
    if "\x1b" in text:
        text = _ANSI_RE.sub("", text)
    if _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub("", text)
    return text
