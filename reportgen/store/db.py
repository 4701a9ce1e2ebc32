"""One database per process: the engine, sessions, and `upgrade head` on open.

SQLite (the embedded default) gets WAL and a busy timeout so the API thread and the job
workers can write at once. Several servers and workers starting together must not race to
create the same tables: PostgreSQL migrates under an advisory lock, a SQLite file under a lock
file beside it (its DDL commits statement by statement, so a transaction cannot serialise it;
`serve --http-workers 2` on a new data directory lost one process to "table blobs already
exists", and uvicorn then stopped the whole server).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from reportgen.errors import DatabaseError
from reportgen.store.config import ServiceSettings

_CHECKOUT = Path(__file__).resolve().parent.parent.parent
_MIGRATION_LOCK = 0x5250_4754  # "RPGT": any constant, shared by every process that migrates
_MIGRATE_WAIT = 300  # seconds a process waits for another's SQLite migration before it gives up, clearly


def migrations_dir() -> Path:
    """`migrations/` in a checkout; `reportgen._migrations` in a wheel (like sops/ and templates/)."""
    candidate = _CHECKOUT / "migrations"
    if (candidate / "env.py").is_file():
        return candidate
    return Path(str(resources.files("reportgen._migrations")))


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    cur = dbapi_conn.cursor()
    # WAL is a property of the file: switching takes a lock that makes concurrent connects wait on
    # each other, so only ask for it when the file is not in WAL yet (a new database).
    if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_file(url: URL) -> str | None:
    """The file of a SQLite database that lives in one (None for another backend or an in-memory one)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def make_db_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"DATABASE_URL={url!r} is not a database URL: use e.g. postgresql+psycopg://user:pass@host/db, "
            "or unset it for the SQLite file in REPORTGEN_DATA_DIR."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if (path := _sqlite_file(parsed)) is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_pool(parsed))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800, **_pool(parsed))


def _pool(url: URL) -> dict:
    """Keep 20 connections open: enough for every thread that queries at once under load.

    A connection past `pool_size` is opened and closed per checkout, which under a polling
    load costs more than the query (a SQLite connect runs its pragmas, a PostgreSQL one a TCP
    and auth round trip). For SQLite a thread past the 20 waits its turn (`max_overflow=0`):
    more concurrent readers than cores only add contention. An in-memory SQLite database keeps
    SQLAlchemy's own single-connection pool.
    """
    if url.get_backend_name() == "sqlite":
        return {"pool_size": 20, "max_overflow": 0, "pool_timeout": 60} if _sqlite_file(url) else {}
    return {"pool_size": 20, "max_overflow": 20, "pool_timeout": 30}


def migrate(engine: Engine) -> None:
    """Run Alembic `upgrade head` on this engine's database."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    database = _sqlite_file(engine.url)
    exclusive = FileLock(f"{database}.migrate.lock", timeout=_MIGRATE_WAIT) if database else None
    try:
        with exclusive or nullcontext(), engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except Timeout:
        raise DatabaseError(
            f"another process has been migrating {database} for {_MIGRATE_WAIT} s: let it finish (or stop it), "
            "then start this one again."
        ) from None
    except OperationalError as e:
        raise DatabaseError(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: "
            f"{str(e.orig).strip().splitlines()[0] if e.orig else e}. Check DATABASE_URL and that the server runs."
        ) from None


class Database:
    """An engine plus the session factory every store function takes a session from."""

    def __init__(self, url: str, *, run_migrations: bool = True) -> None:
        self.url = url
        self.engine = make_db_engine(url)
        if run_migrations:
            migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s:
            yield s

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


_open: dict[str, Database] = {}
_open_lock = threading.Lock()


def open_database(settings: ServiceSettings | None = None) -> Database:
    """The process-wide Database for these settings, migrated on first open."""
    settings = settings or ServiceSettings.from_env()
    url = settings.url
    with _open_lock:
        db = _open.get(url)
        if db is None:
            db = _open[url] = Database(url)
        return db


def forget_database(url: str) -> None:
    """Drop the cached Database for `url` (tests that drop their schema, forked workers)."""
    with _open_lock:
        db = _open.pop(url, None)
    if db is not None:
        db.dispose()
