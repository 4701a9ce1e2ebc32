"""/v1/sops: the templates reports can be made with."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from reportgen.api.auth import current_tenant
from reportgen.api.schemas import ErrorBody, SopOut
from reportgen.store.tables import Tenant

router = APIRouter(prefix="/v1/sops", tags=["sops"])


@router.get("", response_model=list[SopOut], responses={401: {"model": ErrorBody}},
            summary="SOP templates: ids to pass as `sop` when creating a report")
def list_sops(_: Tenant = Depends(current_tenant)) -> list[SopOut]:
    from reportgen.sop import find_sops

    return [
        SopOut(id=s.id, name=s.name, version=s.version, description=s.description or None, suits=list(s.suits),
               sections=[{"id": x.id, "title": x.title, "kind": x.kind} for x in s.sections])
        for s in find_sops().values()
    ]
