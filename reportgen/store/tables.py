"""The service's tables. The database row is the truth for every object the API shows.

Times are epoch seconds (floats) so that SQLite and PostgreSQL compare them the same way
and a lease check is one arithmetic comparison. JSON columns hold our Pydantic models
dumped with `mode="json"`; the row keeps only what queries filter or sort on as columns.
Every tenant-owned row carries `tenant_id`, and every query in `reportgen.store` filters
on it: that is the whole isolation story, so keep it that way.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from reportgen.ledger.base import CachedResponse, CallRecord


def now() -> float:
    return time.time()


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(index=True, unique=True, max_length=200)
    max_concurrent_jobs: int | None = None  # None: the service default (REPORTGEN_TENANT_CONCURRENCY)
    created_at: float = Field(default_factory=now)


class ApiKey(SQLModel, table=True):
    """Only a SHA-256 of the secret is kept: keys are 32 random bytes, so a slow hash adds nothing."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    prefix: str = Field(index=True, max_length=32)  # shown in listings so a user can tell keys apart
    key_hash: str = Field(unique=True, max_length=64)
    label: str = Field(default="", max_length=200)
    created_at: float = Field(default_factory=now)
    last_used_at: float | None = None
    revoked_at: float | None = None


class Blob(SQLModel, table=True):
    """Content-addressed bytes (sources as uploaded, rendered outputs), stored once per content."""

    __tablename__ = "blobs"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    chunks: int
    created_at: float = Field(default_factory=now)


class BlobChunk(SQLModel, table=True):
    """Blobs are split so neither writing nor reading one needs it whole in memory."""

    __tablename__ = "blob_chunks"

    sha256: str = Field(primary_key=True, foreign_key="blobs.sha256", max_length=64)
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DocumentRow(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_tenant_sha", "tenant_id", "sha256", "filename"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    filename: str = Field(max_length=1000)
    kind: str = Field(max_length=32)
    format: str = Field(max_length=64)
    media_type: str = Field(max_length=200)
    sha256: str = Field(max_length=64)  # of the document's own bytes (the member, for zip members)
    blob_sha256: str | None = Field(default=None, foreign_key="blobs.sha256", max_length=64)
    size: int = 0
    pages: int | None = None
    segments: int = 0
    chars: int = 0
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # models.Document, segments included
    # The document's warnings again, so a listing need not load `document` (None: stored before 0003)
    warnings: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: float = Field(default_factory=now, index=True)


class BatchRow(SQLModel, table=True):
    __tablename__ = "batches"

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    sop_id: str = Field(max_length=200)
    engine: str = Field(max_length=32)
    created_at: float = Field(default_factory=now, index=True)


class ReportRow(SQLModel, table=True):
    __tablename__ = "reports"

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    batch_id: str | None = Field(default=None, foreign_key="batches.id", index=True, max_length=64)
    room: str | None = Field(default=None, max_length=500)  # the data room's name within a batch
    sop_id: str = Field(max_length=200)
    engine: str = Field(max_length=32)
    document_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # models.Report
    revision: int = 0  # bumped by every human edit, so rendered files are cached per revision
    created_at: float = Field(default_factory=now, index=True)
    updated_at: float = Field(default_factory=now)


class Job(SQLModel, table=True):
    """One report's run. `state` moves queued -> running -> succeeded | failed; a running job
    whose `lease_until` has passed belongs to a dead worker and may be claimed again."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_tenant", "state", "tenant_id"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    report_id: str = Field(foreign_key="reports.id", index=True, unique=True, max_length=64)
    state: str = Field(default="queued", max_length=16)
    inputs: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # sop, document_ids, engine, options
    attempts: int = 0
    max_attempts: int = 3
    error: str | None = None
    worker: str | None = Field(default=None, max_length=200)
    lease_until: float | None = None
    created_at: float = Field(default_factory=now, index=True)
    started_at: float | None = None
    finished_at: float | None = None


class EventRow(SQLModel, table=True):
    """Progress, append-only; the id is the SSE event id a client resumes from."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    report_id: str = Field(foreign_key="reports.id", index=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    attempt: int = 0
    stage: str = Field(max_length=64)
    message: str
    section_id: str | None = Field(default=None, max_length=200)
    done: int | None = None
    total: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now)


class LlmCall(SQLModel, CallRecord, table=True):
    """A call made inside a job: every column of `reportgen.ledger.CallRecord` (declared there
    once, for the CLI's file too) plus the tenant, report and job attempt it was made for."""

    __tablename__ = "llm_calls"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    report_id: str = Field(foreign_key="reports.id", index=True, max_length=64)
    attempt: int = 0
    # Only the storage type is said again: a list of messages is one JSON column.
    messages: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class LlmCacheEntry(SQLModel, CachedResponse, table=True):
    """The response cache every worker shares: `reportgen.ledger.CachedResponse` per tenant.

    Keyed by tenant as well as content, so a tenant never gets (nor can time) an answer paid
    for by another: a hit would tell it that someone else sent the same sources."""

    __tablename__ = "llm_cache"

    tenant_id: str = Field(primary_key=True, foreign_key="tenants.id", max_length=64)
    key: str = Field(primary_key=True, max_length=64)  # a sha256 (reportgen.extract.cache.cache_key)


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    report_id: str = Field(foreign_key="reports.id", index=True, max_length=64)
    section_id: str = Field(max_length=200)
    vote: str = Field(max_length=8)  # up | down
    reason: str = ""
    edits: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: float = Field(default_factory=now)


class Rendered(SQLModel, table=True):
    """A report rendered to a format at a revision: rendered once, served from the blob store after."""

    __tablename__ = "rendered"

    report_id: str = Field(primary_key=True, foreign_key="reports.id", max_length=64)
    format: str = Field(primary_key=True, max_length=16)
    revision: int = Field(primary_key=True)
    blob_sha256: str = Field(foreign_key="blobs.sha256", max_length=64)
    created_at: float = Field(default_factory=now)


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST with an `Idempotency-Key`, replayed for repeats of that key."""

    __tablename__ = "idempotency"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_idempotency_tenant_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=64)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)  # method, path and body hash: a reused key with another body is refused
    status_code: int
    body: Any = Field(sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now)
