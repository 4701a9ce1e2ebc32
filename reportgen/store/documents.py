"""Parsed documents per tenant: the Document JSON (text and located segments) plus its blob.

A row's id is ours (`doc_...`), not the content-derived id ingest gives: the same file
uploaded by two tenants must be two objects that neither can see of the other. Within a
tenant, uploading the same bytes under the same name returns the existing document.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from reportgen.errors import NotFoundError
from reportgen.models import Document, new_id
from reportgen.store.tables import DocumentRow


def save_document(s: Session, tenant_id: str, doc: Document, *, blob_sha256: str | None, size: int) -> DocumentRow:
    """Store one parsed document (or return the tenant's existing copy); the caller commits."""
    existing = s.exec(
        select(DocumentRow).where(
            DocumentRow.tenant_id == tenant_id, DocumentRow.sha256 == doc.sha256, DocumentRow.filename == doc.filename
        )
    ).first()
    if existing is not None:
        return existing
    row_id = new_id("doc")
    stored = doc.model_copy(update={"id": row_id})
    row = DocumentRow(
        id=row_id,
        tenant_id=tenant_id,
        filename=doc.filename,
        kind=doc.kind,
        format=doc.format,
        media_type=doc.media_type,
        sha256=doc.sha256,
        blob_sha256=blob_sha256,
        size=size,
        pages=doc.pages,
        segments=len(doc.segments),
        chars=len(doc.text),
        document=stored.model_dump(mode="json"),
    )
    s.add(row)
    return row


def get_document(s: Session, tenant_id: str, doc_id: str) -> DocumentRow:
    row = s.get(DocumentRow, doc_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFoundError(f"document {doc_id!r} not found. List yours with GET /v1/documents.")
    return row


def list_documents(s: Session, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[DocumentRow]:
    q = (
        select(DocumentRow)
        .where(DocumentRow.tenant_id == tenant_id)
        .order_by(col(DocumentRow.created_at).desc(), col(DocumentRow.id))
        .offset(offset)
        .limit(limit)
    )
    return list(s.exec(q).all())


def load_documents(s: Session, tenant_id: str, doc_ids: Sequence[str]) -> list[Document]:
    """The Documents for a report, in the order asked; any id not the tenant's is 'not found'."""
    rows = s.exec(select(DocumentRow).where(DocumentRow.tenant_id == tenant_id, col(DocumentRow.id).in_(list(doc_ids))))
    by_id = {r.id: r for r in rows.all()}
    missing = [d for d in doc_ids if d not in by_id]
    if missing:
        raise NotFoundError(f"document(s) not found: {', '.join(missing[:5])}. Upload them with POST /v1/documents.")
    return [Document.model_validate(by_id[d].document) for d in doc_ids]


def check_documents_exist(s: Session, tenant_id: str, doc_ids: Sequence[str]) -> None:
    q = select(DocumentRow.id).where(DocumentRow.tenant_id == tenant_id, col(DocumentRow.id).in_(list(doc_ids)))
    rows = s.exec(q)
    found = set(rows.all())
    missing = [d for d in doc_ids if d not in found]
    if missing:
        raise NotFoundError(f"document(s) not found: {', '.join(missing[:5])}. Upload them with POST /v1/documents.")
