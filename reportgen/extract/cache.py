"""A content-addressed cache of LLM responses, so an identical re-run costs nothing.

The key is the sha256 of everything that determines the answer: model, mode, the messages
exactly as sent (re-asks included, so a cached conversation replays call by call), the
response schema, the SOP id and version, and the hashes of the sources. Change any of them
and the call is made again. Every answered call is stored, even one that failed validation,
so that a re-run replays the same re-ask conversation without any HTTP.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from reportgen.ledger import LLM_DB_NAME, connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_cache (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    model TEXT NOT NULL,
    response TEXT NOT NULL
);
"""


def cache_key(
    *,
    model: str,
    mode: str,
    request: dict[str, Any],
    schema: dict[str, Any],
    sop_id: str,
    sop_version: int | str,
    source_hashes: list[str],
) -> str:
    """sha256 over a canonical JSON of the inputs that decide the response."""
    payload = {
        "v": 1,
        "model": model,
        "mode": mode,
        "request": request,
        "schema": schema,
        "sop": [sop_id, str(sop_version)],
        "sources": sorted(source_hashes),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """key -> raw chat.completion JSON, in `<data_dir>/llm.sqlite3` next to the ledger."""

    def __init__(self, path: Path) -> None:
        self._conn: sqlite3.Connection = connect(Path(path))
        self._lock = threading.Lock()
        with self._lock, self._conn:
            self._conn.executescript(_SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path) -> ResponseCache:
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
        with self._lock, self._conn:
            return self._conn.execute("DELETE FROM llm_cache").rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()
