"""Every LLM call, recorded, and every answer, kept for replay: one record type, two homes.

- `base`: `CallRecord` and `CachedResponse` (the one definition of the `llm_calls` and
  `llm_cache` columns) and the `CallLog` / `ResponseCache` protocols the llm engine uses.
- `sqlite`: the CLI's implementations, in `<data_dir>/llm.sqlite3`.
- `migrations`: that file's versioned schema.

The service's implementations live with its database, in `reportgen.store.llm`, so that
every worker shares one cache and the API can show a report's calls.
"""

from reportgen.ledger.base import CachedResponse, CallLog, CallRecord, ResponseCache
from reportgen.ledger.sqlite import LLM_DB_NAME, SqliteCallLog, SqliteResponseCache

__all__ = [
    "LLM_DB_NAME",
    "CachedResponse",
    "CallLog",
    "CallRecord",
    "ResponseCache",
    "SqliteCallLog",
    "SqliteResponseCache",
]
