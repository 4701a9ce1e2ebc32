"""Every LLM call, recorded: what was sent, what came back, what it cost, how long it took.

One SQLite table, `llm_calls`, in the data directory (`<data_dir>/llm.sqlite3`), so a user
can answer "why does this item say that?" and "what did this report cost?" with the exact
prompt and response, and so the totals in `Report.usage` are sums of recorded rows rather
than estimates. Secrets never reach it: only the request body is stored, not the headers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from reportgen.models import Usage

LLM_DB_NAME = "llm.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    run_id TEXT NOT NULL,
    section_id TEXT,
    part INTEGER NOT NULL DEFAULT 0,
    model TEXT NOT NULL,
    mode TEXT NOT NULL,
    messages TEXT NOT NULL,
    response_raw TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    latency_s REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 1,
    reask INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    cache_key TEXT
);
CREATE INDEX IF NOT EXISTS llm_calls_run ON llm_calls (run_id);
"""


class CallRecord(BaseModel):
    """One row of `llm_calls`. `attempts` counts HTTP attempts (transport retries + 1);
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


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Ledger:
    """Append-only call log; safe to share between the tasks of one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn = connect(self.path)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            self._conn.executescript(_SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path) -> Ledger:
        return cls(Path(data_dir) / LLM_DB_NAME)

    def record(self, rec: CallRecord) -> None:
        row = rec.model_dump()
        row["messages"] = json.dumps(rec.messages, ensure_ascii=False)
        row["cached"] = int(rec.cached)
        cols = ", ".join(row)
        with self._lock, self._conn:
            marks = ", ".join("?" * len(row))
            self._conn.execute(f"INSERT INTO llm_calls ({cols}) VALUES ({marks})", list(row.values()))

    def calls(self, run_id: str | None = None) -> list[CallRecord]:
        cols = list(CallRecord.model_fields)
        sql = f"SELECT {', '.join(cols)} FROM llm_calls"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql, args = sql + " WHERE run_id = ?", (run_id,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        out = []
        for r in rows:
            d = dict(zip(cols, r, strict=True))
            d["messages"] = json.loads(d["messages"])
            d["cached"] = bool(d["cached"])
            out.append(CallRecord.model_validate(d))
        return out

    def usage(self, run_id: str) -> Usage:
        """Totals for one run: HTTP calls, cache hits, tokens and cost as recorded."""
        with self._lock:
            r = self._conn.execute(
                "SELECT COALESCE(SUM(1 - cached), 0), COALESCE(SUM(cached), 0), COALESCE(SUM(input_tokens), 0), "
                "COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cost_usd), 0), COALESCE(SUM(latency_s), 0) "
                "FROM llm_calls WHERE run_id = ?",
                (run_id,),
            ).fetchone()
        return Usage(
            calls=int(r[0]), cached_calls=int(r[1]), input_tokens=int(r[2]), output_tokens=int(r[3]),
            cost_usd=round(float(r[4]), 6), seconds=float(r[5]),
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
