"""What the routes share: the settings, the database and the job dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

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


def get_service(request: Request) -> Service:
    return request.app.state.service
