"""Service settings (database, broker, limits), read from the environment in one place.

The API process, `reportgen worker` and the in-process runner's worker processes all call
`ServiceSettings.from_env()`, so a worker on another machine needs nothing but
`DATABASE_URL` and `REPORTGEN_BROKER_URL` to agree with the server.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from reportgen.config import EnvSettings


class ServiceSettings(EnvSettings):
    data_dir: Path = Field(Path(".reportgen"), validation_alias="REPORTGEN_DATA_DIR")
    # None: a SQLite file in data_dir
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    # None: the in-process runner
    broker_url: str | None = Field(None, validation_alias="REPORTGEN_BROKER_URL")
    queue: str = Field("reportgen", validation_alias="REPORTGEN_QUEUE")
    workers: int = Field(
        2, ge=0, le=64, description="in-process runner: jobs run at once (0 = do not run jobs)",
        validation_alias="REPORTGEN_WORKERS",
    )
    runner: str = Field("process", pattern="^(process|thread)$", validation_alias="REPORTGEN_RUNNER")
    tenant_concurrency: int = Field(
        2, ge=1, le=1000, description="running jobs per tenant", validation_alias="REPORTGEN_TENANT_CONCURRENCY"
    )
    lease_seconds: float = Field(
        60.0, gt=0, description="a running job's claim; renewed while it runs", validation_alias="REPORTGEN_JOB_LEASE"
    )
    visibility_seconds: float | None = Field(
        None, gt=0, description="Celery on Redis: how long a message taken by a worker that vanished (kill -9, "
        "lost machine) waits before another worker gets it; default max(60, 2 x lease)",
        validation_alias="REPORTGEN_VISIBILITY_TIMEOUT",
    )
    http_workers: int = Field(
        1, ge=1, le=64, description="`reportgen serve`: HTTP processes answering requests",
        validation_alias="REPORTGEN_HTTP_WORKERS",
    )
    access_log: bool = Field(
        False, description="`reportgen serve`: log every request (off: it costs a tenth of a status poll)",
        validation_alias="REPORTGEN_ACCESS_LOG",
    )
    max_upload_bytes: int = Field(512 * 1024 * 1024, ge=1024, validation_alias="REPORTGEN_MAX_UPLOAD_BYTES")
    max_attempts: int = Field(3, ge=1, le=20, validation_alias="REPORTGEN_JOB_ATTEMPTS")
    pdf_engine: str = Field(
        "typst", pattern="^(typst|weasyprint)$", description="what sets a report's PDF: typst (the built-in look, "
        "fast) or weasyprint (its HTML under report.css)", validation_alias="REPORTGEN_PDF_ENGINE",
    )
    auth_cache_seconds: float = Field(
        10.0, ge=0, le=3600, description="how long an API key's tenant is remembered: the bound on a revocation "
        "made by another process (the CLI, another server) taking effect; 0 = look the key up on every request",
        validation_alias="REPORTGEN_AUTH_CACHE_SECONDS",
    )
    allowed_hosts: tuple[str, ...] | None = Field(
        None, description="Host names (comma-separated; `*` for any) this server answers to once API keys exist. "
        "Unset: any, since every request then needs a key. Keyless mode always answers only to localhost, "
        "127.0.0.1 and [::1], whatever this says (DNS rebinding; see docs/security.md).",
        validation_alias="REPORTGEN_ALLOWED_HOSTS",
    )
    # Serve without keys while none exist: only true when the server is bound to loopback (see docs/security.md).
    # Set by `reportgen serve` from its --host, never from the environment.
    open_when_no_keys: bool = False

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, v: object) -> object:
        """`reports.example.com, 10.0.0.5:8000` from the environment; a port given must match too."""
        if isinstance(v, str):
            names = tuple(h.strip().lower() for h in v.split(",") if h.strip())
            return None if "*" in names else names
        return v

    @property
    def url(self) -> str:
        """The SQLAlchemy URL; a bare `postgresql://` gets the psycopg (v3) driver we ship."""
        if not self.database_url:
            return f"sqlite:///{(self.data_dir / 'reportgen.sqlite3').resolve()}"
        url = self.database_url
        for bare in ("postgresql://", "postgres://"):
            if url.startswith(bare):
                return "postgresql+psycopg://" + url[len(bare):]
        return url
