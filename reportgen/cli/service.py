"""The service's verbs: `serve` (API and web page), `worker` (Celery) and `keys` (API keys).

They need the server (and, for `worker`, celery) extra; those imports stay inside the verbs
so that the core install runs every other verb without FastAPI, SQLAlchemy or Celery.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated

import typer

from reportgen.cli.app import JsonOpt, app, echo_json
from reportgen.cli.extras import require_extra
from reportgen.errors import ReportgenError
from reportgen.store.config import ServiceSettings

keys_app = typer.Typer(help="API keys per tenant for the REST API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


SERVE_SETTINGS_ENV = "_REPORTGEN_SERVE_SETTINGS"  # the parent's resolved settings, for --http-workers children


def http_app():  # noqa: ANN201 - a FastAPI app; FastAPI loads only for `serve`
    """The app factory each --http-workers process imports (uvicorn needs an import string to start
    several). Several job runners are safe: a job is taken by a guarded UPDATE with a lease
    (reportgen/jobs/claims.py), so two runners offered the same queued job never both run it.
    Each rebuilds the settings `serve` resolved (including open_when_no_keys, which comes from
    --host and never from the user's environment) from the JSON the parent left for its children."""
    from reportgen.api import create_app

    return create_app(ServiceSettings.model_validate_json(os.environ[SERVE_SETTINGS_ENV]))


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Bind address; anything but loopback requires API keys.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int | None, typer.Option("--workers", help="In-process job workers (REPORTGEN_WORKERS).")] = (
        None
    ),
    http_workers: Annotated[int | None, typer.Option(
        "--http-workers", min=1, max=64, help="HTTP processes answering requests (REPORTGEN_HTTP_WORKERS); each "
        "runs its own in-process job runner of --workers unless REPORTGEN_BROKER_URL is set.")] = None,
    access_log: Annotated[bool | None, typer.Option(
        "--access-log/--no-access-log", help="Log every request (REPORTGEN_ACCESS_LOG; off by default: it is a "
        "tenth of a status poll's cost).")] = None,
) -> None:
    """Run the REST API (and the in-process job runner unless REPORTGEN_BROKER_URL is set)."""
    require_extra("server", "reportgen serve")
    import uvicorn

    from reportgen.api import create_app

    settings = ServiceSettings.from_env(workers=workers, http_workers=http_workers, access_log=access_log,
                                        open_when_no_keys=host in LOOPBACK)
    jobs = f"celery at {settings.broker_url}" if settings.broker_url else f"{settings.workers} in-process workers"
    if not settings.broker_url and settings.http_workers > 1:
        jobs += f" in each of {settings.http_workers} HTTP processes"
    where = settings.url.split("@")[-1] if settings.database_url else settings.url.removeprefix("sqlite:///")
    typer.echo(f"reportgen API on http://{host}:{port}  (docs: /docs; database: {where}; jobs: {jobs})", err=True)
    if host not in LOOPBACK:
        typer.echo("bound beyond loopback: every request needs an API key (reportgen keys create --tenant NAME)",
                   err=True)
        if settings.allowed_hosts is None:
            typer.echo("answering to any Host name: set REPORTGEN_ALLOWED_HOSTS to this server's names to "
                       "refuse others", err=True)
    if settings.http_workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=settings.access_log)
        return
    os.environ[SERVE_SETTINGS_ENV] = settings.model_dump_json()
    uvicorn.run("reportgen.cli.service:http_app", factory=True, workers=settings.http_workers, host=host, port=port,
                log_level="info", access_log=settings.access_log)


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(
        "--concurrency", "-c", min=1, help="Jobs this worker runs at once (default: one per core it may use, so a "
        "batch's reports run side by side).")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel")] = "INFO",
) -> None:
    """Run a Celery worker for report jobs: needs DATABASE_URL and REPORTGEN_BROKER_URL, nothing else."""
    require_extra("celery", "reportgen worker")
    require_extra("server", "reportgen worker")
    from reportgen.jobs.celery_app import worker_main

    settings = ServiceSettings.from_env()
    if not settings.broker_url:
        raise ReportgenError("`reportgen worker` needs REPORTGEN_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
                             "without a broker, `reportgen serve` runs jobs itself.")
    if not settings.database_url:
        typer.echo("warning: no DATABASE_URL: using the SQLite file in REPORTGEN_DATA_DIR, which only works when "
                   "the server and every worker share this machine.", err=True)
    worker_main(settings, concurrency=concurrency or _cores(), loglevel=loglevel)


def _cores() -> int:
    """The cores this process may use (its affinity, where the OS has one), not the machine's count."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@keys_app.callback()
def _keys() -> None:
    require_extra("server", "reportgen keys")


NewDbOpt = Annotated[bool, typer.Option(
    "--new-database", help="Create the SQLite database in REPORTGEN_DATA_DIR if there is none yet (a first key "
    "before the first `reportgen serve`).")]


def _key_database(new_database: bool = False):  # noqa: ANN202 - a Database; SQLAlchemy loads only for `keys`
    """The server's database, said out loud: run from another folder, the default SQLite file
    (`.reportgen/` under the current folder) would be a new, second database whose keys the running
    server never sees, so a missing one is refused unless --new-database says it is meant."""
    from reportgen.store.db import open_database

    settings = ServiceSettings.from_env()
    if settings.database_url:
        where = settings.url.split("@")[-1]
    else:
        path = (settings.data_dir / "reportgen.sqlite3").resolve()
        where = str(path)
        if not path.exists() and not new_database:
            raise ReportgenError(
                f"no reportgen database at {path}. Run this where `reportgen serve` runs, or point it at the "
                "server's data: REPORTGEN_DATA_DIR=<the server's data folder> (or the server's DATABASE_URL). "
                "To start a new database here, add --new-database.")
    typer.echo(f"database: {where}", err=True)
    return open_database(settings)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant name; created if new. Reports made without a key "
                                                         "belong to tenant `local`.")],
    label: Annotated[str, typer.Option("--label", help="A note to tell keys apart.")] = "",
    new_database: NewDbOpt = False,
) -> None:
    """Create an API key for a tenant and print it once (only a hash is stored)."""
    from reportgen.store.keys import LOCAL_TENANT, create_key, local_reports

    with _key_database(new_database).session() as s:
        row, key = create_key(s, tenant, label)
        keyless = local_reports(s) if tenant != LOCAL_TENANT else 0
    typer.echo(key)
    typer.echo(f"key {row.id} (prefix {row.prefix}) for tenant {tenant!r}: store it now, it is not shown again.",
               err=True)
    if keyless:
        typer.echo(f"note: the {keyless} report(s) made without a key (in the web page or API before keys existed) "
                   f"belong to tenant {LOCAL_TENANT!r}, not {tenant!r}. Keyless access has now ended; to keep reaching "
                   f"them, create a key with `reportgen keys create --tenant {LOCAL_TENANT}` and sign in with it.",
                   err=True)


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """List API keys: id, prefix, tenant, created, last used, revoked."""
    from reportgen.store.keys import list_keys

    def when(t: float | None) -> str:
        return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "-"

    with _key_database().session() as s:
        rows = list_keys(s)
        if as_json:
            echo_json([
                {"id": k.id, "prefix": k.prefix, "tenant": t.name, "label": k.label, "created_at": k.created_at,
                 "last_used_at": k.last_used_at, "revoked_at": k.revoked_at}
                for k, t in rows
            ])
            return
        for k, t in rows:
            state = f"revoked {when(k.revoked_at)}" if k.revoked_at else "active"
            typer.echo(f"{k.id}  rgk_{k.prefix}_...  {t.name:<20} created {when(k.created_at)}  "
                       f"used {when(k.last_used_at)}  {state}  {k.label}")


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="Key id or prefix (see `reportgen keys list`).")]) -> None:
    """Revoke an API key; requests with it get 401 from then on."""
    from reportgen.store.keys import revoke_key

    with _key_database().session() as s:
        row = revoke_key(s, key)
    typer.echo(f"revoked {row.id} (prefix {row.prefix})")
