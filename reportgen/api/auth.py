"""`Authorization: Bearer <key>` -> the tenant every query of the request is scoped to.

A fresh install has no keys. Then, and only if the server was started bound to a loopback
address (`open_when_no_keys`, set by `reportgen serve` for 127.0.0.1/::1/localhost), the
request runs as the implicit `local` tenant: one user on their own machine. As soon as one
key exists, every request needs a valid key, wherever the server is bound.

The dependency is async and answers from `Service.keys` (see `reportgen.api.keycache`) on the
event loop; only a cache miss goes to the database, in a worker thread.
"""

from __future__ import annotations

import anyio
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reportgen.api.errors import ApiError
from reportgen.api.service import Service, get_service
from reportgen.store.keys import LOCAL_TENANT, any_keys, get_or_create_tenant, tenant_for_key
from reportgen.store.tables import Tenant

bearer = HTTPBearer(auto_error=False, description="An API key from `reportgen keys create --tenant NAME`.")


def _lookup_key(service: Service, key: str) -> Tenant | None:
    with service.db.session() as s:
        return tenant_for_key(s, key)


def _keyless(service: Service) -> tuple[bool, Tenant | None]:
    with service.db.session() as s:
        if any_keys(s):
            return True, None
        return False, get_or_create_tenant(s, LOCAL_TENANT)


async def current_tenant(
    creds: HTTPAuthorizationCredentials | None = Depends(bearer), service: Service = Depends(get_service)
) -> Tenant:
    cache = service.keys
    if creds is not None and creds.credentials:
        key = creds.credentials.strip()
        if (tenant := cache.get(key)) is not None:
            return tenant
        generation = cache.generation()
        tenant = await anyio.to_thread.run_sync(_lookup_key, service, key)
        if tenant is None:
            raise ApiError(401, "this API key is not valid (unknown or revoked) on this server. Create one with "
                                "`reportgen keys create --tenant NAME` against this server's database (run it where "
                                "the server runs, or with its REPORTGEN_DATA_DIR or DATABASE_URL: the command prints "
                                "the database it wrote to) and send `Authorization: Bearer KEY`.")
        cache.put(key, tenant, generation)
        return tenant
    if service.settings.open_when_no_keys and not cache.keys_exist():
        if (tenant := cache.local_tenant()) is not None:
            return tenant
        generation = cache.generation()
        keys_exist, tenant = await anyio.to_thread.run_sync(_keyless, service)
        cache.put_keyless(keys_exist, tenant, generation)
        if tenant is not None:
            return tenant
    raise ApiError(401, "an API key is required: send `Authorization: Bearer KEY` (create one with "
                        "`reportgen keys create --tenant NAME`).")
