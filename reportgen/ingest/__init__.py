"""Sources in, Documents out: `ingest(source, filename=None, password=None)`.

The format is sniffed from the bytes; the filename's extension is only a hint (it breaks
ties between text formats such as Markdown and plain text). Each format has its own
module; this one only decides which of them to call.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from reportgen.errors import (
    ArchiveError,
    EmptySourceError,
    IngestError,
    MalformedSourceError,
    TooLargeError,
    UnsafeArchiveError,
    UnsupportedFormatError,
)
from reportgen.ingest.archive import Member, is_docx, iter_members, reason, strip_zip_ext
from reportgen.ingest.docx import parse_docx
from reportgen.ingest.limits import DEFAULT_LIMITS, Limits
from reportgen.ingest.pdf import parse_pdf
from reportgen.ingest.pool import parse_each
from reportgen.ingest.text import check_text_size, parse_text_bytes
from reportgen.models import Document

Source = str | os.PathLike | bytes | bytearray | BinaryIO

__all__ = [
    "DEFAULT_LIMITS", "IngestError", "Limits", "expand_zip", "ingest", "ingest_bytes", "ingest_many", "refuse_fake_pdf",
    "sniff",
]



_BINARY_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (.doc/.xls/.ppt)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"ID3", "an MP3 audio file"),
    (b"RIFF", "a RIFF media file (WAV/AVI)"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM media file"),
]


def sniff(data: bytes) -> str:
    """Name the container format: pdf, docx, zip, or text (decided further by the text parsers)."""
    head = data[:1024]
    # The zip check comes first: a stored (uncompressed) zip whose first member is a PDF has
    # "%PDF-" in its first kilobyte too.
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):

        return "docx" if is_docx(data) else "zip"
    if b"%PDF-" in head:
        return "pdf"
    if len(head) >= 8 and head[4:8] == b"ftyp":
        raise UnsupportedFormatError(
            "this is an MP4/M4A media file. reportgen reads transcripts, not audio: "
            "transcribe it first (e.g. whisper.cpp or Deepgram) and upload the transcript (.vtt, .srt, .json)."
        )
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            hint = (
                " Transcribe it first and upload the transcript."
                if "audio" in what or "media" in what
                else " Convert it to PDF, DOCX or text first."
            )
            raise UnsupportedFormatError(f"this is {what}, which reportgen cannot read.{hint}")
    return "text"


def _read_source(source: Source, filename: str | None, limits: Limits) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        name = filename or "upload"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = filename or path.name
        if not path.exists():
            raise IngestError(f"file not found: {path}. Check the path.")
        if path.is_dir():
            raise IngestError(f"{path} is a folder. Pass the files inside it, or zip the folder.")
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise TooLargeError(
                f"file is {size / 1e6:.1f} MB, over the {limits.max_file_bytes / 1e6:.0f} MB limit. "
                "Split it, or raise the limit.",
                filename=name,
            )
        with path.open("rb") as f:
            head = f.read(4096)
        if sniff(head) == "text":  # refused from its size alone before the whole file is read
            check_text_size(size, name, limits)
        data = path.read_bytes()
    elif hasattr(source, "read"):
        name = filename or getattr(source, "name", None) or "upload"
        name = os.path.basename(str(name))
        data = source.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            raise TooLargeError(
                f"file is over the {limits.max_file_bytes / 1e6:.0f} MB limit. Split it, or raise the limit.",
                filename=name,
            )
    else:
        raise TypeError(f"ingest() takes a path, bytes or a binary file, not {type(source).__name__}")
    return data, name


def ingest(
    source: Source,
    filename: str | None = None,
    password: str | None = None,
    *,
    ocr: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Document]:
    """Parse one source (a file, bytes, or a zip of many) into Documents.

    Raises an `IngestError` subclass whose message says what is wrong and what to do.
    A zip yields one Document per supported member; skipped members are listed in the
    warnings of the first Document (and the call fails only if nothing was readable).
    """
    data, name = _read_source(source, filename, limits)
    return ingest_bytes(data, name, password=password, ocr=ocr, limits=limits, depth=1)


def ingest_bytes(
    data: bytes,
    filename: str,
    *,
    password: str | None = None,
    ocr: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    depth: int = 1,
) -> list[Document]:
    if not data or not data.strip():
        raise EmptySourceError("the file is empty. Upload a file with content.", filename=filename)
    if len(data) > limits.max_file_bytes:
        raise TooLargeError(
            f"file is {len(data) / 1e6:.1f} MB, over the {limits.max_file_bytes / 1e6:.0f} MB limit.",
            filename=filename,
        )
    kind = sniff(data) if data else "text"
    if kind == "zip":
        return expand_zip(data, filename, password=password, ocr=ocr, limits=limits, depth=depth)
    try:
        if kind == "pdf":
            return [parse_pdf(data, filename, password=password, ocr=ocr)]
        if kind == "docx":
            return [parse_docx(data, filename, limits)]
        refuse_fake_pdf(data, filename)
        return [parse_text_bytes(data, filename, limits)]
    except IngestError as exc:
        if exc.filename is None:  # raised deep in a parser (the document limits): name the file
            raise type(exc)(str(exc), filename=filename) from None
        raise


def _members(members: Iterator[Member], prefix: str, junk: list[str], skipped: list[str]
             ) -> Iterator[tuple[str, bytes | None]]:
    """A zip's readable members as (name, bytes); junk and unreadable ones are noted, not passed on."""
    for member in members:
        if member.junk:
            junk.append(member.path)
        elif member.data is None:
            skipped.append(f"skipped {prefix + member.path}: {member.skipped}")
        else:
            yield prefix + member.path, member.data


def ingest_many(
    sources: Sequence[Source], *, password: str | None = None, ocr: bool = False, limits: Limits = DEFAULT_LIMITS
) -> list[list[Document] | IngestError]:
    """`ingest` of each source, the PDFs among them parsed on every core; per source its Documents or the
    IngestError that `ingest` would have raised for it, in order."""
    def read() -> Iterator[tuple[str, bytes | None]]:
        for i, src in enumerate(sources):
            try:
                data, name = _read_source(src, None, limits)
            except IngestError as exc:
                failed[i] = exc
                yield "", None
                continue
            yield name, data

    failed: dict[int, IngestError] = {}
    pdfs = sum(1 for s in sources if isinstance(s, (str, os.PathLike)) and str(s).lower().endswith(".pdf"))
    out: list[list[Document] | IngestError] = []
    for i, (_, outcome) in enumerate(parse_each(ingest_bytes, read(), pdfs_hint=pdfs or None, password=password,
                                                ocr=ocr, limits=limits, depth=1)):
        out.append(failed[i] if outcome is None else outcome)
    return out


def refuse_fake_pdf(head: bytes, filename: str) -> None:
    """A file named .pdf that is not a PDF is refused, not read as text of raw PDF syntax.

    Called for what the sniffer calls text: a real PDF has "%PDF-" in its first kilobyte."""
    if filename.lower().endswith(".pdf"):
        raise MalformedSourceError(
            "this file is named .pdf but is not a PDF: it does not start with the %PDF- header (it may be "
            "truncated, an HTML error page saved under a .pdf name, or another format renamed). Download or "
            "export the PDF again and re-upload it.",
            filename=filename,
        )


def expand_zip(
    data: bytes,
    filename: str,
    *,
    password: str | None = None,
    ocr: bool = False,
    limits: Limits | None = None,
    depth: int = 1,
) -> list[Document]:
    """One Document per readable member, recursing into nested zips (see `reportgen.ingest.archive`).

    It lives here, beside `ingest_bytes`, because the two call each other: a member is any source."""
    limits = limits or DEFAULT_LIMITS
    if depth > limits.max_zip_depth:
        raise UnsafeArchiveError(
            f"zips are nested more than {limits.max_zip_depth} deep (a zip inside a zip inside a zip). "
            "Unpack the inner archives and upload their files.",
            filename=filename,
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ArchiveError(
            f"this zip is damaged or incomplete and cannot be opened ({exc}). Create the zip again and re-upload it.",
            filename=filename,
        ) from None

    with zf:
        prefix = "" if depth == 1 else strip_zip_ext(filename) + "/"
        documents: list[Document] = []
        skipped: list[str] = []
        junk: list[str] = []
        members = iter_members(zf, len(data), limits, filename)
        pdfs = sum(1 for i in zf.infolist() if i.filename.lower().endswith(".pdf"))
        # PDFs are parsed on every core (reportgen.ingest.pool), results in member order, at most a few ahead
        for name, outcome in parse_each(ingest_bytes, _members(members, prefix, junk, skipped), pdfs_hint=pdfs,
                                        password=password, ocr=ocr, limits=limits, depth=depth + 1):
            if isinstance(outcome, UnsafeArchiveError):
                raise outcome
            if isinstance(outcome, IngestError):
                skipped.append(f"skipped {name}: {reason(outcome)}")
            elif outcome is not None:
                documents.extend(outcome)

    if junk:
        skipped.append(f"skipped {len(junk)} system file(s) such as {junk[0]} (__MACOSX, .DS_Store, Thumbs.db)")
    if not documents:
        why = "; ".join(skipped) if skipped else "it contains no files"
        raise ArchiveError(f"nothing in this zip could be read: {why}.", filename=filename)
    documents[0].warnings.extend(skipped)
    return documents
