"""The CLI's call log and response cache: two tables of `<data_dir>/llm.sqlite3`.

A user can answer "why does this item say that?" and "what did this report cost?" from the
exact prompt and response, and the totals in `Report.usage` are sums of recorded rows rather
than estimates. Secrets never reach the file: only the request body is stored, not the
headers. Opening either object brings the file's schema up to date (`ledger.migrations`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from reportgen.ledger.base import CallRecord
from reportgen.ledger.migrations import migrate
from reportgen.models import Usage

LLM_DB_NAME = "llm.sqlite3"

_COLUMNS = list(CallRecord.model_fields)


def connect(path: Path) -> sqlite3.Connection:
    """The file, created if need be, in WAL mode and migrated to the current schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    migrate(conn)
    return conn


class SqliteCallLog:
    """Append-only call log (a `CallLog`); safe to share between the tasks of one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn = connect(self.path)
        self._lock = threading.Lock()

    @classmethod
    def in_dir(cls, data_dir: Path) -> SqliteCallLog:
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
        """The calls of one run, or of every run when `run_id` is None, in recording order."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM llm_calls"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql, args = sql + " WHERE run_id = ?", (run_id,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        out = []
        for r in rows:
            d = dict(zip(_COLUMNS, r, strict=True))
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


class SqliteResponseCache:
    """A `ResponseCache` in the same file as the call log."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(Path(path))
        self._lock = threading.Lock()

    @classmethod
    def in_dir(cls, data_dir: Path) -> SqliteResponseCache:
        return cls(Path(data_dir) / LLM_DB_NAME)

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT response FROM llm_cache WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, model: str, response: str) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO llm_cache (key, created, model, response) VALUES (?, ?, ?, ?)",
                (key, time.time(), model, response),
            )

    def clear(self) -> int:
        """Empty the cache; returns how many answers were dropped."""
        with self._lock, self._conn:
            return self._conn.execute("DELETE FROM llm_cache").rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()
