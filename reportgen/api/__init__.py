"""The REST API (FastAPI). `create_app()` builds it; `reportgen serve` runs it under uvicorn."""

from reportgen.api.app import create_app

__all__ = ["create_app"]
