"""Alembic environment: the connection comes from reportgen.store.db.migrate, or from the
settings (DATABASE_URL / REPORTGEN_DATA_DIR) when run as `alembic ...` by a developer."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import reportgen.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection) -> None:  # noqa: ANN001
    # batch mode: SQLite cannot ALTER most things, so Alembic recreates tables there.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from reportgen.store.config import ServiceSettings
    from reportgen.store.db import make_db_engine

    engine = make_db_engine(ServiceSettings.from_env().url)
    with engine.begin() as conn:
        _run(conn)
