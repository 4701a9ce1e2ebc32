"""Fixtures shared by the service tests (API, store, jobs, Celery): sources as bytes, zips, apps.

Everything is generated here; nothing is read from outside the repository.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from reportgen.api import create_app
from reportgen.store.config import ServiceSettings
from reportgen.testing.samples import FILLER_TOPICS, MEETING_LINES
from tests.support import require

PG_URL = os.environ.get("REPORTGEN_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REPORTGEN_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def meeting_bytes(extra: int = 0, *, company: str = "") -> bytes:
    """A speaker-lines transcript with commitments, decisions, figures; `extra` lines of small talk make it long."""
    rows = list(MEETING_LINES)
    if company:
        rows.insert(0, ("Jason", f"This call is about {company} and its billing migration."))
    speakers = ["Jason", "Priya", "Marco"]
    for i in range(extra):
        rows.append((speakers[i % 3], f"Item {i + 1} on the list was {FILLER_TOPICS[i % len(FILLER_TOPICS)]}, "
                                      "which we only touched on briefly."))
    return "\n".join(f"{s}: {t}" for s, t in rows).encode()


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def bomb_zip() -> bytes:
    """One member that inflates 1000x: 300 MB of zeros from about 300 KB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("room/zeros.txt", "w", force_zip64=True) as out:
            block = b"\0" * (1024 * 1024)
            for _ in range(300):
                out.write(block)
    return buf.getvalue()


def settings_for(tmp_path, **kw) -> ServiceSettings:  # noqa: ANN001 - a pytest tmp_path
    base = {"data_dir": tmp_path, "runner": "thread", "workers": 2, "open_when_no_keys": True, "lease_seconds": 10.0}
    base.update(kw)
    return ServiceSettings(**base)


@contextlib.contextmanager
def api(settings: ServiceSettings) -> Iterator[TestClient]:
    # localhost, not TestClient's `testserver`: keyless mode answers only to loopback names (DNS rebinding)
    with TestClient(create_app(settings), raise_server_exceptions=False, base_url="http://localhost") as client:
        yield client


def client_on(database: str, tmp: Path, **settings: object) -> Iterator[TestClient]:
    """A service client on SQLite or on a fresh PostgreSQL schema: the module fixture every service test
    file parametrises over both databases with (`yield from client_on(request.param, tmp)`); `settings`
    override `settings_for`'s (e.g. `open_when_no_keys=False` for the tests of keys and tenants)."""
    if database == "sqlite":
        with api(settings_for(tmp, **settings)) as c:
            yield c
        return
    require(postgres_available(), "PostgreSQL at 127.0.0.1:5432 with a database `test`")
    with postgres_schema() as url, api(settings_for(tmp, database_url=url, **settings)) as c:
        yield c


def upload(client: TestClient | httpx.Client, files: dict[str, bytes], headers: dict | None = None,
           **form: str) -> httpx.Response:
    return client.post("/v1/documents", files=[("files", (n, d)) for n, d in files.items()], data=form or None,
                       headers=headers or {})


def wait_report(client: TestClient | httpx.Client, report_id: str, headers: dict | None = None,
                timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        st = client.get(f"/v1/reports/{report_id}", headers=headers or {}).json()
        if st["state"] in ("succeeded", "failed"):
            return st
        if time.monotonic() > deadline:
            raise AssertionError(f"report {report_id} did not finish in {timeout}s: {st}")
        time.sleep(0.1)


def postgres_available() -> bool:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available here"
        return False


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL pointing at a fresh schema of the test database, dropped afterwards."""
    schema = f"rg_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        from reportgen.store.db import forget_database

        forget_database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
        for attempt in range(3):  # a background thread of the stopped app may still hold a lock for a moment
            try:
                with admin.connect() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                break
            except OperationalError:
                if attempt == 2:
                    raise
                time.sleep(1)
        admin.dispose()


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL + "/0", socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def key_headers(client: TestClient, tenant: str) -> dict[str, str]:
    """A fresh API key for `tenant`, made in the server's own store, as request headers."""
    from reportgen.store.keys import create_key  # SQLModel: the server extra, as for the app itself

    with client.app.state.service.db.session() as s:  # type: ignore[attr-defined]
        _, key = create_key(s, tenant)
    return {"Authorization": f"Bearer {key}"}
