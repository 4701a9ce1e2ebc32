"""Uploaded files -> stored, parsed documents, without holding an upload whole in memory.

Starlette spools each multipart file to a temporary file past 1 MB. A zip is then read
member by member from that file, through the same safety checks `reportgen.ingest.archive`
applies (traversal, links, encryption, counts, declared sizes, ratios while reading), so
memory is bounded by the largest member, not by the upload. Other files are read whole,
up to `Limits.max_file_bytes`. Each source's bytes go to the content-addressed blob store.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reportgen.api.errors import error_body
from reportgen.api.wording import for_api
from reportgen.errors import ArchiveError, IngestError, TooLargeError
from reportgen.ingest import Limits, ingest_bytes, refuse_fake_pdf, sniff
from reportgen.ingest.archive import UnsafeArchiveError, iter_members, reason
from reportgen.ingest.pool import parse_each
from reportgen.ingest.text import check_text_size
from reportgen.models import Document
from reportgen.store.blobs import put_blob
from reportgen.store.db import Database

UPLOAD_PATHS = ("/v1/documents", "/v1/batches/upload")
SMALL_BODY = 5 * 1024 * 1024


@dataclass
class Parsed:
    document: Document
    blob_sha256: str
    size: int


@dataclass
class Upload:
    filename: str
    parsed: list[Parsed]
    skipped: list[tuple[str, str]]  # (path inside the zip, why it was skipped)


def _size(f: BinaryIO) -> int:
    f.seek(0, 2)
    n = f.tell()
    f.seek(0)
    return n


def _too_large(filename: str, size: int, limit: int) -> TooLargeError:
    return TooLargeError(
        f"file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB per-file limit. Split it, or zip a folder "
        "of smaller files.", filename=filename,
    )


def parse_upload(
    db: Database, f: BinaryIO, filename: str, *, password: str | None, limits: Limits, ocr: bool = False
) -> Upload:
    """One uploaded file -> its documents (many for a zip). Raises IngestError subclasses (413/415/422).
    Warnings are worded for the API and the web page (`for_api`)."""
    up = _parse_upload(db, f, filename, password=password, limits=limits, ocr=ocr)
    for p in up.parsed:
        p.document.warnings[:] = [for_api(w) for w in p.document.warnings]
    up.skipped[:] = [(path, for_api(why)) for path, why in up.skipped]
    return up


def _parse_upload(
    db: Database, f: BinaryIO, filename: str, *, password: str | None, limits: Limits, ocr: bool
) -> Upload:
    filename = posixpath.basename((filename or "upload").replace("\\", "/")) or "upload"
    size = _size(f)
    head = f.read(4096)
    f.seek(0)
    if not head.strip():
        raise IngestError("the file is empty. Upload a file with content.", filename=filename)
    kind = sniff(head)  # raises UnsupportedFormatError (415) for media, images, other archives
    if kind == "zip":
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            if filename.lower().endswith((".docx", ".docm", ".dotx")):  # a .docx is a zip inside: say which it is
                raise ArchiveError("this Word document is damaged or incomplete and cannot be opened. Open it in "
                                   "Word and save it again, or export it as PDF, then re-upload.",
                                   filename=filename) from None
            raise ArchiveError(f"this zip is damaged or incomplete ({e}). Create it again and re-upload.",
                               filename=filename) from None
        with zf:
            if "word/document.xml" not in set(zf.namelist()):
                return _parse_zip(db, zf, filename, size, password=password, limits=limits, ocr=ocr)
    if size > limits.max_file_bytes:
        raise _too_large(filename, size, limits.max_file_bytes)
    if kind == "text":  # refused from its size and name before the bytes are read into memory
        refuse_fake_pdf(head, filename)
        check_text_size(size, filename, limits)
    data = f.read()
    docs = ingest_bytes(data, filename, password=password, ocr=ocr, limits=limits)
    sha = put_blob(db, data, docs[0].sha256 if len(docs) == 1 else None)
    return Upload(filename, [Parsed(d, sha, len(data)) for d in docs], [])


def _parse_zip(
    db: Database, zf: zipfile.ZipFile, filename: str, size: int, *, password: str | None, limits: Limits,
    ocr: bool = False,
) -> Upload:
    out: list[Parsed] = []
    skipped: list[tuple[str, str]] = []
    held: deque[bytes] = deque()  # the bytes of members being parsed, stored once their parse is back

    def readable() -> Iterator[tuple[str, bytes]]:
        for member in iter_members(zf, size, limits, filename):
            if member.data is None:
                if not member.junk:
                    skipped.append((member.path, member.skipped or ""))
                continue
            held.append(member.data)
            yield member.path, member.data

    # the PDFs on every core (reportgen.ingest.pool), a few members ahead at most, results in zip order
    pdfs = sum(1 for i in zf.infolist() if i.filename.lower().endswith(".pdf"))
    for path, outcome in parse_each(ingest_bytes, readable(), pdfs_hint=pdfs, password=password, ocr=ocr,
                                    limits=limits, depth=2):
        data = held.popleft()
        if isinstance(outcome, UnsafeArchiveError):
            raise outcome
        if isinstance(outcome, IngestError):
            skipped.append((path, reason(outcome)))
            continue
        sha = put_blob(db, data)
        out.extend(Parsed(d, sha, len(data)) for d in outcome or ())
    notes = [f"skipped {path}: {why}" for path, why in skipped]
    if not out:
        why = "; ".join(notes[:10]) if notes else "it contains no files"
        raise ArchiveError(f"nothing in this zip could be read: {why}.", filename=filename)
    out[0].document.warnings.extend(notes)
    return Upload(filename, out, skipped)


class BodyLimit:
    """Refuse request bodies over the limit with 413 while they stream, before they fill a disk."""

    def __init__(self, app: ASGIApp, max_upload_bytes: int) -> None:
        self.app, self.max_upload = app, max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if scope["path"] in UPLOAD_PATHS else SMALL_BODY
        declared = dict(scope.get("headers") or []).get(b"content-length")
        message = (
            f"the request body is over the {limit / 1e6:.0f} MB limit. Upload fewer or smaller files per request"
            + (" (REPORTGEN_MAX_UPLOAD_BYTES sets the limit)." if limit == self.max_upload else ".")
        )
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_json(send, 413, error_body(413, message, "too_large"))
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, message)  # FastAPI re-raises HTTPException from body parsing
            return msg

        await self.app(scope, counted, send)


async def _send_json(send: Send, status: int, body: dict) -> None:
    import json

    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": raw})
