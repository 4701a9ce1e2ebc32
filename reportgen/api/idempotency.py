"""`Idempotency-Key` on POSTs: a retried request gets the first response instead of a second object.

The record is written in the same transaction as the objects the request creates, so
either both exist or neither; two racing requests with one key collide on the unique
constraint and the loser replays the winner's response.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel import Session, select

from reportgen.api.errors import ApiError
from reportgen.store.tables import IdempotencyRecord

IdempotencyKey = Header(
    None, alias="Idempotency-Key", max_length=255,
    description="Any unique string; repeating a POST with the same key returns the first response.",
)


def fingerprint(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, jsonable_encoder(body)], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def replay(s: Session, tenant_id: str, key: str | None, fp: str) -> JSONResponse | None:
    if not key:
        return None
    rec = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.tenant_id == tenant_id,
                                                 IdempotencyRecord.key == key)).first()
    if rec is None:
        return None
    if rec.fingerprint != fp:
        raise ApiError(422, f"Idempotency-Key {key!r} was already used for a different request. "
                            "Use a new key for a new request.", "idempotency_key_reused")
    return JSONResponse(rec.body, status_code=rec.status_code, headers={"Idempotent-Replayed": "true"})


def remember(s: Session, tenant_id: str, key: str | None, fp: str, status: int, body: Any) -> None:
    if key:
        s.add(IdempotencyRecord(tenant_id=tenant_id, key=key, fingerprint=fp, status_code=status,
                                body=jsonable_encoder(body)))
