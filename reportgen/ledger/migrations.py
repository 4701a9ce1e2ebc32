"""Versioned schema of the CLI's `<data_dir>/llm.sqlite3`: an ordered list of migrations.

Why not Alembic, which the service uses for its database: the CLI's file is written by the
core package, which is to install without SQLAlchemy and Alembic (they belong with the
server extra), while Python ships `sqlite3`. The file holds two small tables with a short
history, so a list of functions applied in order, each recorded by name in `_migrations`
once it ran (the scheme of simonw/llm's `llm/migrations.py`), is all the machinery it needs;
opening the file costs one SELECT when it is up to date, where Alembic would load its
script directory on every CLI run.

Rules for adding one: append a function, never edit or reorder an applied one, and write
what the migration does in SQL here (not derived from `CallRecord`), so that a file migrated
today and one migrated next year end up alike. `tests/test_llm_config.py` checks that the
migrated tables hold exactly the fields of `CallRecord` and `CachedResponse`.

Files written before the schema was versioned have both tables and no `_migrations`:
`m001_initial` creates only what is missing, so for them it records the starting point.
Names found in `_migrations` that this version does not know (a newer reportgen wrote the
file) are left alone, as simonw/llm does.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations recorded in this file, in the order they ran."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").fetchone():
        return []
    return [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY applied_at, rowid")]


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the missing migrations in one transaction.

    `BEGIN IMMEDIATE` takes the file's write lock first, so two processes opening a new file
    at once do not both run `m001`: the second waits, then finds it recorded."""
    names = [fn.__name__ for fn in MIGRATIONS]
    if set(names) <= set(applied(conn)):  # the common case: nothing to do, no write lock taken
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        done = set(applied(conn))
        for fn in MIGRATIONS:
            if fn.__name__ not in done:
                fn(conn)
                conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, time.time()))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


@migration
def m001_initial(conn: sqlite3.Connection) -> None:
    """The layout the file had before it was versioned."""
    conn.execute(
        """CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    run_id TEXT NOT NULL,
    section_id TEXT,
    part INTEGER NOT NULL DEFAULT 0,
    model TEXT NOT NULL,
    mode TEXT NOT NULL,
    messages TEXT NOT NULL,
    response_raw TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    latency_s REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 1,
    reask INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    cache_key TEXT
)"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS llm_calls_run ON llm_calls (run_id)")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS llm_cache (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    model TEXT NOT NULL,
    response TEXT NOT NULL
)"""
    )
