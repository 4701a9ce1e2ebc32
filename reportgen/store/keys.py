"""Tenants and their API keys. A key is shown once, at creation; only its SHA-256 is stored.

Key format: `rgk_<8 hex prefix>_<43 url-safe chars>`. The prefix is stored in clear so a
listing can tell keys apart; the rest never leaves `create_key`'s return value.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from reportgen.errors import KeyAdminError
from reportgen.models import new_id
from reportgen.store.tables import ApiKey, ReportRow, Tenant, now

LOCAL_TENANT = "local"
_changes = 0  # bumped by create_key and revoke_key, so caches in this process drop what they hold at once
_KEY_RE = re.compile(r"^rgk_([0-9a-f]{8})_[A-Za-z0-9_-]{20,}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def get_or_create_tenant(s: Session, name: str) -> Tenant:
    if not _NAME_RE.match(name):
        raise KeyAdminError(
            f"tenant name {name!r} is not usable: use 1-100 letters, digits, spaces, dots, dashes or underscores."
        )
    tenant = s.exec(select(Tenant).where(Tenant.name == name)).first()
    if tenant is not None:
        return tenant
    tenant = Tenant(id=LOCAL_TENANT if name == LOCAL_TENANT else new_id("ten"), name=name)
    s.add(tenant)
    try:
        s.commit()
    except IntegrityError:  # created concurrently
        s.rollback()
        tenant = s.exec(select(Tenant).where(Tenant.name == name)).one()
    return tenant


def create_key(s: Session, tenant_name: str, label: str = "") -> tuple[ApiKey, str]:
    """A new key for the tenant (created if new). Returns the row and the key, which is not stored."""
    tenant = get_or_create_tenant(s, tenant_name)
    prefix = secrets.token_hex(4)
    key = f"rgk_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(id=new_id("key"), tenant_id=tenant.id, prefix=prefix, key_hash=hash_key(key), label=label)
    s.add(row)
    s.commit()
    _changed()
    return row, key


def tenant_for_key(s: Session, key: str) -> Tenant | None:
    """The tenant a live key belongs to, or None for an unknown, malformed or revoked key."""
    if not _KEY_RE.match(key):
        return None
    row = s.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key), col(ApiKey.revoked_at).is_(None))).first()
    if row is None:
        return None
    if row.last_used_at is None or now() - row.last_used_at > 60:  # at most one write a minute per key
        row.last_used_at = now()
        s.add(row)
        s.commit()
    return s.get(Tenant, row.tenant_id)


def any_keys(s: Session) -> bool:
    """Whether any key (even revoked) exists: once one does, the server never serves without a key again."""
    return bool(s.exec(select(func.count()).select_from(ApiKey)).one())


def local_reports(s: Session) -> int:
    """Reports made without a key (the keyless loopback mode's tenant `local`): once a key exists
    they are reached only with a key of that tenant, which `reportgen keys create` says."""
    return int(s.exec(select(func.count()).select_from(ReportRow).where(ReportRow.tenant_id == LOCAL_TENANT)).one())


def list_keys(s: Session) -> list[tuple[ApiKey, Tenant]]:
    rows = s.exec(select(ApiKey, Tenant).where(ApiKey.tenant_id == Tenant.id).order_by(col(ApiKey.created_at))).all()
    return [(k, t) for k, t in rows]


def revoke_key(s: Session, key_id_or_prefix: str) -> ApiKey:
    row = s.exec(
        select(ApiKey).where((ApiKey.id == key_id_or_prefix) | (ApiKey.prefix == key_id_or_prefix))
    ).first()
    if row is None:
        raise KeyAdminError(f"no API key {key_id_or_prefix!r}: see `reportgen keys list` for ids and prefixes.")
    if row.revoked_at is None:
        row.revoked_at = now()
        s.add(row)
        s.commit()
    _changed()
    return row


def _changed() -> None:
    global _changes
    _changes += 1


def key_changes() -> int:
    """How many keys this process created or revoked: a cache of key lookups is stale once this changes."""
    return _changes
