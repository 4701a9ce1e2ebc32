"""/v1/info: what a client should know before it uploads or starts a report on this server.

Which engine a report gets when the request names none, whether the llm engine is there at
all (and with which model and endpoint), and the upload limits, so a client can refuse a
file that is too large before sending it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends

from reportgen.api.auth import current_tenant
from reportgen.api.schemas import ServerInfo, error_responses
from reportgen.api.service import Service, get_service
from reportgen.config import Settings, default_engine
from reportgen.ingest import DEFAULT_LIMITS
from reportgen.store.tables import Tenant

router = APIRouter(prefix="/v1/info", tags=["service"])


def server_info(service: Service, tenant: str = "") -> ServerInfo:
    settings = Settings.from_env()
    llm = settings.llm_configured
    host = urlsplit(settings.openai_base_url).netloc if settings.openai_base_url else None
    return ServerInfo(
        default=default_engine(), available=["local", "llm"] if llm else ["local"],
        model=settings.model if llm else None, endpoint=host or ("api.openai.com" if llm else None),
        max_upload_bytes=service.settings.max_upload_bytes, max_file_bytes=DEFAULT_LIMITS.max_file_bytes,
        tenant=tenant,
    )


@router.get("", response_model=ServerInfo, responses=error_responses(401), operation_id="get_server_info",
            summary="The engine and model new reports use, and the upload limits")
def info(tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service)) -> ServerInfo:
    return server_info(service, tenant.name)
