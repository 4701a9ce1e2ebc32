"""The bridge from `reportgen.ledger` to the service's `llm_calls` table.

`LLMExtractor` records every call through `ledger.record(CallRecord)`. Inside a job we
hand it this object instead of the data-directory SQLite ledger, so the calls land in the
shared database with the report they were made for, where any API process can show them.
"""

from __future__ import annotations

from reportgen.ledger import CallRecord
from reportgen.store.db import Database
from reportgen.store.tables import LlmCall


class JobLedger:
    """Duck-types `reportgen.ledger.Ledger.record` for one attempt of one report."""

    def __init__(self, db: Database, *, tenant_id: str, report_id: str, attempt: int) -> None:
        self.db, self.tenant_id, self.report_id, self.attempt = db, tenant_id, report_id, attempt

    def record(self, rec: CallRecord) -> None:
        with self.db.session() as s:
            s.add(LlmCall(tenant_id=self.tenant_id, report_id=self.report_id, attempt=self.attempt,
                          **rec.model_dump()))
            s.commit()
