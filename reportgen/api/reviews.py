"""/v1/reviews: a tenant's reviewed reports of one SOP as a gold set, and how often reviewers agreed.

Read only, and only the calling tenant's reports (the store query filters on the tenant): the
gold set holds the sources' text, so it must never mix tenants. The gold is what
`reportgen gold export --from-reviews` writes (docs/eval.md, "Reviews as gold"); save it and
score an engine with `reportgen eval --gold`.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from reportgen.api.auth import current_tenant
from reportgen.api.errors import ApiError
from reportgen.api.schemas import error_responses
from reportgen.api.service import Service, get_service
from reportgen.errors import ReportgenError
from reportgen.evals.review_store import reviewed_reports
from reportgen.evals.reviews import ReviewedReport, agreement, gold_from_reviews, judgements
from reportgen.sop import SOP, find_sops
from reportgen.store.tables import Tenant

router = APIRouter(prefix="/v1/reviews", tags=["reports"])
SopQuery = Query(..., min_length=1, max_length=200, description="SOP id (GET /v1/sops): its reports are read.")


class AgreementRow(BaseModel):
    section: str
    period: str  # an ISO week (2026-W48) or a day; `all` sums the section's periods
    reports: int
    judged: int
    accepted: int
    edited: int
    rejected: int
    pending: int
    agreed: float | None  # accepted as is / judged
    kept: float | None  # (accepted + edited) / judged


class AgreementOut(BaseModel):
    sop: str
    by: str
    rows: list[AgreementRow]


def _reviewed(service: Service, tenant: Tenant, sop: str) -> tuple[SOP, list[ReviewedReport]]:
    spec = find_sops().get(sop)
    if spec is None:
        raise ApiError(422, f"unknown SOP {sop!r}. Available: {', '.join(sorted(find_sops()))} (GET /v1/sops).",
                       "unknown_sop")
    with service.db.session() as s:
        found, _ = reviewed_reports(s, tenant.id, sop)
    if not found:
        raise ApiError(404, f"no reviewed reports of SOP {sop!r}: accept, edit or reject items first "
                            "(PATCH /v1/reports/{id}/items/{item_id}).", "no_reviews")
    return spec, found


@router.get("/gold", responses={**error_responses(401, 404, 422), 200: {"content": {
                "application/json": {}, "application/yaml": {}}}},
            operation_id="get_review_gold",
            summary="Your reviewed reports of an SOP as a gold set: accepted and edited items, rejected as negatives")
def gold(
    sop: str = SopQuery,
    format: Literal["json", "yaml"] = Query("json", description="yaml: the file `reportgen eval --gold` reads."),  # noqa: A002
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> Response:
    spec, found = _reviewed(service, tenant, sop)
    try:
        data: dict[str, Any] = gold_from_reviews(found, spec, name=f"reviews-{spec.id}")
    except ReportgenError as e:  # a stored source that no longer matches its report
        raise ApiError(409, str(e), "reviews_unusable") from None
    if format == "yaml":
        return Response(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120),
                        media_type="application/yaml",
                        headers={"Content-Disposition": f'attachment; filename="reviews-{spec.id}.yaml"'})
    return JSONResponse(data)


@router.get("/agreement", response_model=AgreementOut, responses=error_responses(401, 404, 422),
            operation_id="get_review_agreement",
            summary="How often reviewers accepted, edited or rejected the engine's items, per section and week or day")
def agreement_table(
    sop: str = SopQuery,
    by: Literal["week", "day"] = Query("week"),
    tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service),
) -> AgreementOut:
    spec, found = _reviewed(service, tenant, sop)
    table = agreement(judgements(found), by)
    return AgreementOut(sop=spec.id, by=by, rows=[AgreementRow.model_validate(r) for r in table["rows"]])
