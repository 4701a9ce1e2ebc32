"""A stored PDF's pages: its original bytes for quote boxes, and each page rendered to PNG, cached on disk.

Rendering costs tens of milliseconds a page and a reviewer clicks back and forth between the
same few pages, so each image is kept in a disk cache keyed by the blob's SHA-256, the page
and the scale: content-addressed, so two tenants with the same file share the image and a
document can never be shown another's page (the route checks ownership before it asks). The
cache is a cache: any worker may lose it, and it is pruned to `CACHE_BYTES`, oldest first.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from sqlmodel import select

from reportgen.errors import ApiError
from reportgen.ingest.pdf import PDFIUM_LOCK
from reportgen.models import Document
from reportgen.store.blobs import read_blob
from reportgen.store.db import Database
from reportgen.store.tables import DocumentRow

CACHE_BYTES = 256 * 1024 * 1024
MIN_SCALE, MAX_SCALE = 0.25, 4.0
MAX_PIXELS = 40_000_000  # a page rendered larger than this (a poster at 4x) is refused, not allocated


class PageError(ApiError):
    """A page that cannot be shown: the message says why, the API answers 4xx with it."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(status, message)


def cache_dir() -> Path:
    path = Path(os.environ.get("REPORTGEN_PAGE_CACHE") or Path(tempfile.gettempdir()) / "reportgen-pages")
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_bytes_by_id(db: Database, tenant_id: str) -> Callable[[str], bytes | None]:
    """A stored document's original bytes by its id (the tenant's own documents only), or None."""

    def get(doc_id: str) -> bytes | None:
        with db.session() as s:
            sha = s.exec(select(DocumentRow.blob_sha256).where(
                DocumentRow.tenant_id == tenant_id, DocumentRow.id == doc_id)).first()
        return read_blob(db, sha) if sha else None

    return get


def stored_pdf_bytes(db: Database, tenant_id: str) -> Callable[[Document], bytes | None]:
    """`pdf_bytes` for `attach_boxes` in a job: a stored document's original bytes from the blob store."""
    by_id = stored_bytes_by_id(db, tenant_id)
    return lambda doc: by_id(doc.id)


def page_png(db: Database, row: DocumentRow, number: int, scale: float) -> bytes:
    """The PNG of page `number` (1-based) of a stored PDF at `scale` (1.0 = 72 dpi), from the cache if there."""
    if row.kind != "pdf" or not row.blob_sha256:
        raise PageError(f"{row.filename} is not a PDF ({row.kind}): only PDF sources have page images.", 422)
    if row.pages is not None and not 1 <= number <= row.pages:
        raise PageError(f"page {number} does not exist: {row.filename} has pages 1 to {row.pages}.", 404)
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise PageError(f"scale must be between {MIN_SCALE} and {MAX_SCALE} (1.0 is 72 dpi); got {scale}.", 422)
    scale = round(scale, 2)
    path = cache_dir() / f"{row.blob_sha256}-{number}-{scale}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    png = render_page(read_blob(db, row.blob_sha256), number, scale, row.filename)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(png)
    tmp.replace(path)  # atomic: a reader sees the whole image or none
    _prune(path.parent)
    return png


def render_page(data: bytes, number: int, scale: float, filename: str = "the PDF") -> bytes:
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            raise PageError(f"{filename} cannot be opened to render its pages (it is encrypted or damaged); "
                            "its text is still shown.", 422) from None
        try:
            if not 1 <= number <= len(pdf):
                raise PageError(f"page {number} does not exist: {filename} has pages 1 to {len(pdf)}.", 404)
            page = pdf[number - 1]
            try:
                w, h = page.get_size()
                if w * h * scale * scale > MAX_PIXELS:
                    raise PageError(f"page {number} at scale {scale} would be over {MAX_PIXELS:,} pixels; "
                                    "ask for a smaller scale.", 422)
                bitmap = page.render(scale=scale)
                try:
                    out = io.BytesIO()
                    bitmap.to_pil().save(out, format="PNG", optimize=False)
                    return out.getvalue()
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            pdf.close()


def _prune(folder: Path) -> None:
    """Keep the cache under CACHE_BYTES: drop the least recently written images first."""
    files = [(p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*.png")]
    total = sum(size for _, size, _ in files)
    if total <= CACHE_BYTES:
        return
    for _, size, p in sorted(files):
        p.unlink(missing_ok=True)
        total -= size
        if total <= CACHE_BYTES * 0.8:
            break
