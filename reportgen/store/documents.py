"""Parsed documents per tenant: the Document JSON (text and located segments) plus its blob.

A row's id is ours (`doc_...`), not the content-derived id ingest gives: the same file
uploaded by two tenants must be two objects that neither can see of the other. Within a
tenant, uploading the same bytes under the same name returns the existing document.

Reading a document for the API never loads its JSON whole: a listing defers the column
(the warnings have their own), and one document's segments are paged by the database
(`json_array_elements` / `json_each`), so a request costs the page, not the document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import defer
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
        warnings=list(doc.warnings),
    )
    s.add(row)
    return row


def get_document(s: Session, tenant_id: str, doc_id: str) -> DocumentRow:
    """The row without its `document` JSON (deferred: touching `row.document` loads it)."""
    row = s.exec(select(DocumentRow).options(defer(DocumentRow.document))  # type: ignore[arg-type]
                 .where(DocumentRow.id == doc_id)).first()
    if row is None or row.tenant_id != tenant_id:
        raise NotFoundError(f"document {doc_id!r} not found. List yours with GET /v1/documents.")
    return row


def document_warnings(s: Session, row: DocumentRow) -> list[str]:
    """The warnings column; a row stored before it existed reads them from its JSON, once."""
    if row.warnings is not None:
        return list(row.warnings)
    return list(_json_value(s, row.id, "warnings") or [])


def document_text(s: Session, row: DocumentRow) -> str:
    """The document's text, read by the database out of the JSON (not the segments with it)."""
    return str(_json_value(s, row.id, "text") or "")


def segment_page(s: Session, row: DocumentRow, *, offset: int, limit: int) -> list[dict[str, Any]]:
    """Segments [offset, offset + limit) of a document, sliced by the database."""
    if s.get_bind().dialect.name == "postgresql":
        q = text("SELECT e.value::text FROM documents d, json_array_elements((d.document::json) -> 'segments') "
                 "WITH ORDINALITY AS e(value, n) WHERE d.id = :id ORDER BY e.n OFFSET :offset LIMIT :limit")
    else:
        q = text("SELECT j.value FROM documents d, json_each(d.document, '$.segments') AS j "
                 "WHERE d.id = :id ORDER BY j.key LIMIT :limit OFFSET :offset")
    rows = s.connection().execute(q, {"id": row.id, "offset": offset, "limit": limit}).all()
    return [json.loads(r[0]) for r in rows]


def _json_value(s: Session, doc_id: str, key: str) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        q = text(f"SELECT (document::json) -> '{key}' FROM documents WHERE id = :id")
        return s.connection().execute(q, {"id": doc_id}).scalar()  # psycopg decodes json values
    q = text(f"SELECT json_extract(document, '$.{key}') FROM documents WHERE id = :id")
    value = s.connection().execute(q, {"id": doc_id}).scalar()
    if key == "text" or value is None:
        return value
    return json.loads(value) if isinstance(value, str) else value


def list_documents(s: Session, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[DocumentRow]:
    """Newest first, without the `document` JSON: a listing shows counts and warnings, never the text."""
    q = (
        select(DocumentRow)
        .options(defer(DocumentRow.document))  # type: ignore[arg-type]
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
