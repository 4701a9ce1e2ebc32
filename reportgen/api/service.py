"""What the routes share: the settings, the database, the job dispatcher and the API key cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from fastapi import Request

from reportgen.api.keycache import KeyCache
from reportgen.store.config import ServiceSettings
from reportgen.store.db import Database


class Dispatcher(Protocol):
    def start(self) -> None: ...
    def submit(self, job_id: str) -> None: ...
    def stop(self) -> None: ...


@dataclass
class Service:
    settings: ServiceSettings
    db: Database
    dispatcher: Dispatcher
    keys: KeyCache = field(init=False)  # made from the settings

    def __post_init__(self) -> None:
        self.keys = KeyCache(self.settings.auth_cache_seconds)


async def get_service(request: Request) -> Service:
    """Async on purpose: FastAPI runs a sync dependency in its threadpool, a thread hop per request for nothing."""
    return request.app.state.service
