"""The content key of an LLM answer, so an identical re-run costs nothing.

The key is the sha256 of everything that determines the answer: model, mode, the messages
exactly as sent (re-asks included, so a cached conversation replays call by call), the
response schema, the SOP id and version, and the hashes of the sources. Change any of them
and the call is made again. Every answered call is stored, even one that failed validation,
so that a re-run replays the same re-ask conversation without any HTTP. Where the answers
are kept is a `reportgen.ledger.ResponseCache`: a SQLite file for the CLI, the store's
database for the service.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


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
