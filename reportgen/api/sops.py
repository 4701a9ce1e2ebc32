"""/v1/sops: the templates reports can be made with, listed and in full, and which suits some sources."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path

from reportgen.api.auth import current_tenant
from reportgen.api.errors import ApiError
from reportgen.api.schemas import (
    SectionSummary,
    SopDetail,
    SopFitOut,
    SopOut,
    SopSuggestRequest,
    error_responses,
)
from reportgen.api.service import Service, get_service
from reportgen.sop import SOP, find_sops
from reportgen.sop.suggest import SAMPLE_CHARS, rank_sops
from reportgen.store.documents import load_documents
from reportgen.store.tables import Tenant

router = APIRouter(prefix="/v1/sops", tags=["sops"])


def _head(s: SOP) -> dict:
    return {"id": s.id, "name": s.name, "version": s.version, "description": s.description or None,
            "suits": list(s.suits), "instructions": s.instructions}


@router.get("", response_model=list[SopOut], responses=error_responses(401), operation_id="list_sops",
            summary="SOP templates: ids to pass as `sop` when creating a report")
def list_sops(_: Tenant = Depends(current_tenant)) -> list[SopOut]:
    return [
        SopOut(**_head(s), sections=[SectionSummary(id=x.id, title=x.title, kind=x.kind, instructions=x.instructions)
                                     for x in s.sections])
        for s in find_sops().values()
    ]


@router.get("/{sop_id}", response_model=SopDetail, responses=error_responses(401, 404),
            operation_id="get_sop", summary="One SOP in full: sections, instructions, fields, criteria and rubrics")
def get_sop(sop_id: str = Path(max_length=200), _: Tenant = Depends(current_tenant)) -> SopDetail:
    found = find_sops()
    if sop_id not in found:
        raise ApiError(404, f"unknown SOP {sop_id!r}. Available: {', '.join(sorted(found))} (GET /v1/sops).",
                       "unknown_sop")
    sop = found[sop_id]
    return SopDetail.model_validate({**sop.model_dump(mode="json"), **_head(sop)})


@router.post("/suggest", response_model=list[SopFitOut], responses=error_responses(401, 404, 422),
             operation_id="suggest_sops",
             summary="Rank the SOPs for some uploaded documents, best first, with warnings")
def suggest(body: SopSuggestRequest, tenant: Tenant = Depends(current_tenant),
            service: Service = Depends(get_service)) -> list[SopFitOut]:
    """The upload page asks this after each upload: it preselects the `suggested` SOP and shows the
    `warning` of the one picked, instead of preselecting the first alphabetically."""
    with service.db.session() as s:
        docs = load_documents(s, tenant.id, list(dict.fromkeys(body.document_ids)))
    sources = [(d.kind, d.text[:SAMPLE_CHARS]) for d in docs]
    del docs
    return [SopFitOut(sop=f.sop_id, name=f.name, score=f.score, cues_found=f.cues_found, cues_total=f.cues_total,
                      kinds_fit=f.kinds_fit, suggested=f.suggested, warning=f.warning)
            for f in rank_sops(list(find_sops().values()), sources)]
