"""The last status each report showed, kept in memory for a moment, so a poll is answered without a query.

Clients poll `GET /v1/reports/{id}` every second or so, a hundred at a time; with the status
read from the database each time, the server's event loop queued behind its threadpool and
p99 went past half a second. Here each HTTP process keeps, per (tenant, report), the status
body and ETag it last built, for `REPORTGEN_STATUS_CACHE_SECONDS` (default 1 s; 0 turns it
off). A poll inside that window gets those bytes (or a 304) with no thread hop, no query and
no model to validate or serialise.

Staleness is bounded both ways:
* what this process changes it forgets at once: an edit (`invalidate`), and every job its own
  in-process runner finishes (`clear`, from the scheduler thread);
* what another process changes (a Celery worker's progress, another `--http-workers`
  process's edit) shows within the window, which is the same order as a poll interval; the
  ETag is of the row, so a client's conditional poll never mistakes a stale body for a new one.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

TTL_ENV = "REPORTGEN_STATUS_CACHE_SECONDS"
DEFAULT_TTL = 1.0
MAX_ENTRIES = 20_000  # about 1 KB each; past it the cache starts over rather than growing


@dataclass(frozen=True, slots=True)
class Cached:
    tag: str
    body: bytes
    expires: float


def ttl_from_env() -> float:
    raw = os.environ.get(TTL_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_TTL
    except ValueError:
        return DEFAULT_TTL


class StatusCache:
    """(scope, tenant, report) -> the status last built. `scope` tells apart two apps (two databases) in one
    process, as tests make them."""

    def __init__(self, ttl: float | None = None) -> None:
        self.ttl = ttl_from_env() if ttl is None else ttl
        self._entries: dict[tuple[int, str, str], Cached] = {}
        self._lock = threading.Lock()

    def get(self, scope: int, tenant_id: str, report_id: str) -> Cached | None:
        hit = self._entries.get((scope, tenant_id, report_id))
        if hit is None or hit.expires < time.monotonic():
            return None
        return hit

    def put(self, scope: int, tenant_id: str, report_id: str, tag: str, body: bytes) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[(scope, tenant_id, report_id)] = Cached(tag, body, time.monotonic() + self.ttl)

    def invalidate(self, report_id: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[2] == report_id]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


STATUS_CACHE = StatusCache()
