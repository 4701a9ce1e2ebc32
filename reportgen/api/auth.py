"""`Authorization: Bearer <key>` -> the tenant every query of the request is scoped to.

A fresh install has no keys. Then, and only if the server was started bound to a loopback
address (`open_when_no_keys`, set by `reportgen serve` for 127.0.0.1/::1/localhost), the
request runs as the implicit `local` tenant: one user on their own machine. As soon as one
key exists, every request needs a valid key, wherever the server is bound.
"""

from __future__ import annotations

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reportgen.api.errors import ApiError
from reportgen.api.service import Service, get_service
from reportgen.store.keys import LOCAL_TENANT, any_keys, get_or_create_tenant, tenant_for_key
from reportgen.store.tables import Tenant

bearer = HTTPBearer(auto_error=False, description="An API key from `reportgen keys create --tenant NAME`.")


def current_tenant(
    creds: HTTPAuthorizationCredentials | None = Depends(bearer), service: Service = Depends(get_service)
) -> Tenant:
    with service.db.session() as s:
        if creds is not None and creds.credentials:
            tenant = tenant_for_key(s, creds.credentials.strip())
            if tenant is None:
                raise ApiError(401, "this API key is not valid (unknown or revoked). Create one with "
                                    "`reportgen keys create --tenant NAME` and send `Authorization: Bearer KEY`.")
            return tenant
        if service.settings.open_when_no_keys and not any_keys(s):
            return get_or_create_tenant(s, LOCAL_TENANT)
    raise ApiError(401, "an API key is required: send `Authorization: Bearer KEY` (create one with "
                        "`reportgen keys create --tenant NAME`).")
