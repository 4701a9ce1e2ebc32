"""The call record and the cached response: the one definition of both tables, and their protocols.

`CallRecord` is the row of `llm_calls` wherever it lives: the CLI's SQLite file builds its
column list from these fields, and the service's `store.tables.LlmCall` inherits them and
adds only what a service row needs besides (tenant, report, job attempt). Likewise
`CachedResponse` for `llm_cache`. Add a field here and write the migration for each side
(`reportgen.ledger.migrations`, `migrations/versions/`); the tests check that both
migrated schemas hold exactly these columns.

The protocols are what `LLMExtractor` needs from a call log and a response cache, so the
engine neither knows nor cares whether it runs in the CLI (a file in the data directory) or
in a job (the store's database, shared by every worker).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from pydantic import BaseModel, Field


class CallRecord(BaseModel):
    """One LLM call. `attempts` counts HTTP attempts (transport retries + 1, 0 for a cache hit);
    `reask` is 0 for the first ask of a section part and k for its k-th re-ask."""

    ts: float = Field(default_factory=time.time)
    run_id: str
    section_id: str | None = None
    part: int = 0
    model: str
    mode: str
    messages: list[dict[str, Any]]
    response_raw: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    attempts: int = 1
    reask: int = 0
    cached: bool = False
    error: str | None = None
    cache_key: str | None = None


class CachedResponse(BaseModel):
    """One answer kept for replay: the raw chat.completion JSON under its content key."""

    key: str
    created: float = Field(default_factory=time.time)
    model: str
    response: str


class CallLog(Protocol):
    """Where every call is recorded, cache hits and failures included."""

    def record(self, rec: CallRecord) -> None: ...

    def calls(self, run_id: str) -> list[CallRecord]:
        """The calls of one extraction run, in the order they were recorded."""
        ...


class ResponseCache(Protocol):
    """Content key -> raw chat.completion JSON (see `reportgen.extract.cache.cache_key`)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, model: str, response: str) -> None: ...
