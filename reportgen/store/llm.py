"""The llm engine's call log and response cache in the service's database.

A job hands these to `LLMExtractor` instead of the CLI's SQLite file, so that the calls land
with the report they were made for (where any API process can show them) and an answer one
worker paid for is replayed by every other: with a per-machine cache, a report retried on
another worker, or the same sources run again, paid twice. Both are scoped to a tenant; the
cache is content-addressed within it (see `store.tables.LlmCacheEntry` for why not across).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from reportgen.ledger.base import CallRecord
from reportgen.store.db import Database
from reportgen.store.tables import LlmCacheEntry, LlmCall, now

_RECORD_FIELDS = set(CallRecord.model_fields)


class StoreCallLog:
    """The `CallLog` of one attempt of one report: rows of `llm_calls`."""

    def __init__(self, db: Database, *, tenant_id: str, report_id: str, attempt: int) -> None:
        self.db, self.tenant_id, self.report_id, self.attempt = db, tenant_id, report_id, attempt

    def record(self, rec: CallRecord) -> None:
        with self.db.session() as s:
            s.add(LlmCall(tenant_id=self.tenant_id, report_id=self.report_id, attempt=self.attempt,
                          **rec.model_dump()))
            s.commit()

    def calls(self, run_id: str) -> list[CallRecord]:
        with self.db.session() as s:
            rows = s.exec(
                select(LlmCall)
                .where(LlmCall.tenant_id == self.tenant_id, LlmCall.report_id == self.report_id,
                       LlmCall.run_id == run_id)
                .order_by(col(LlmCall.id))
            ).all()
        return [CallRecord.model_validate(r.model_dump(include=_RECORD_FIELDS)) for r in rows]


class StoreResponseCache:
    """A tenant's `ResponseCache`: rows of `llm_cache`, shared by every worker."""

    def __init__(self, db: Database, *, tenant_id: str) -> None:
        self.db, self.tenant_id = db, tenant_id

    def get(self, key: str) -> str | None:
        with self.db.session() as s:
            row = s.get(LlmCacheEntry, {"tenant_id": self.tenant_id, "key": key})
            return row.response if row is not None else None

    def put(self, key: str, model: str, response: str) -> None:
        """Insert or replace: two workers answering the same call at once both succeed, the last wins."""
        insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
        values = {"tenant_id": self.tenant_id, "key": key, "created": now(), "model": model, "response": response}
        stmt = insert(LlmCacheEntry).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "key"], set_={k: stmt.excluded[k] for k in ("created", "model", "response")}
        )
        with self.db.session() as s:
            s.exec(stmt)
            s.commit()

    def clear(self) -> int:
        """Drop the tenant's cached answers; returns how many."""
        with self.db.session() as s:
            n = s.exec(delete(LlmCacheEntry).where(col(LlmCacheEntry.tenant_id) == self.tenant_id)).rowcount
            s.commit()
            return int(n)
