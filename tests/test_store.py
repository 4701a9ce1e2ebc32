"""The store: migrations on SQLite and PostgreSQL, content-addressed chunked blobs, hashed API keys."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from reportgen.store.blobs import CHUNK, iter_blob, put_blob, read_blob
from reportgen.store.config import ServiceSettings
from reportgen.store.db import Database, DatabaseError, migrate
from reportgen.store.keys import create_key, list_keys, tenant_for_key
from reportgen.store.tables import ApiKey, Blob, BlobChunk
from tests.service_fixtures import postgres_available, postgres_schema
from tests.support import require

TABLES = {"tenants", "api_keys", "documents", "blobs", "blob_chunks", "reports", "jobs", "events", "llm_calls",
          "feedback", "batches", "rendered", "idempotency", "alembic_version"}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):  # noqa: ANN001, ANN201
    if request.param == "sqlite":
        d = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        yield d
        d.dispose()
        return
    require(postgres_available(), "PostgreSQL at 127.0.0.1:5432 with a database `test`")
    with postgres_schema() as url:
        d = Database(url)
        yield d
        d.dispose()


def test_migrations_create_every_table_and_rerun_cleanly(db: Database) -> None:
    assert TABLES <= set(inspect(db.engine).get_table_names())
    migrate(db.engine)  # a second server starting: `upgrade head` is a no-op
    with db.engine.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar() == "0001"


def test_blobs_are_chunked_and_deduplicated(db: Database) -> None:
    data = os.urandom(CHUNK * 2 + 123)
    sha = put_blob(db, io.BytesIO(data))
    assert put_blob(db, data) == sha  # the same content, from bytes this time: stored once
    assert read_blob(db, sha) == data
    assert [len(c) for c in iter_blob(db, sha)] == [CHUNK, CHUNK, 123]
    with db.session() as s:
        assert s.get(Blob, sha).size == len(data)
        assert len(s.exec(select(BlobChunk.seq).where(BlobChunk.sha256 == sha)).all()) == 3


def test_api_keys_are_stored_hashed(db: Database) -> None:
    with db.session() as s:
        row, key = create_key(s, "acme", "laptop")
        stored = s.exec(select(ApiKey)).one()
        assert key not in (stored.key_hash, stored.prefix, stored.id) and key.startswith(f"rgk_{row.prefix}_")
        assert tenant_for_key(s, key).name == "acme"
        assert tenant_for_key(s, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert [(k.label, t.name) for k, t in list_keys(s)] == [("laptop", "acme")]


def test_settings_pick_the_database() -> None:
    assert ServiceSettings.from_env({}).url.startswith("sqlite:///") and ServiceSettings.from_env({}).url.endswith(
        "reportgen.sqlite3")
    pg = ServiceSettings.from_env({"DATABASE_URL": "postgresql://u:p@db/reportgen"})
    assert pg.url == "postgresql+psycopg://u:p@db/reportgen"
    with pytest.raises(Exception, match="REPORTGEN_WORKERS"):
        ServiceSettings.from_env({"REPORTGEN_WORKERS": "many"})


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(DatabaseError, match="cannot reach the database"):
        Database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
