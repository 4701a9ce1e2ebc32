"""The store: migrations on SQLite and PostgreSQL, content-addressed chunked blobs, hashed API keys, and the
llm engine's call log and response cache."""

from __future__ import annotations

import io
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from reportgen.ledger import CachedResponse, CallRecord
from reportgen.store.blobs import CHUNK, iter_blob, put_blob, read_blob
from reportgen.store.config import ServiceSettings
from reportgen.store.db import Database, DatabaseError, migrate
from reportgen.store.keys import create_key, get_or_create_tenant, list_keys, tenant_for_key
from reportgen.store.llm import StoreCallLog, StoreResponseCache
from reportgen.store.reports import create_report
from reportgen.store.tables import ApiKey, Blob, BlobChunk
from tests.service_fixtures import postgres_available, postgres_schema
from tests.support import require

TABLES = {"tenants", "api_keys", "documents", "blobs", "blob_chunks", "reports", "jobs", "events", "llm_calls",
          "llm_cache", "feedback", "batches", "rendered", "idempotency", "alembic_version"}


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
        assert c.execute(text("select version_num from alembic_version")).scalar() == "0003"
        # the migrations build exactly the tables the code declares
        assert compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), SQLModel.metadata) == []


def test_llm_tables_hold_the_ledger_records_fields(db: Database) -> None:
    columns = {t: {c["name"]: c for c in inspect(db.engine).get_columns(t)} for t in ("llm_calls", "llm_cache")}
    assert set(columns["llm_calls"]) == {"id", "tenant_id", "report_id", "attempt", *CallRecord.model_fields}
    assert set(columns["llm_cache"]) == {"tenant_id", *CachedResponse.model_fields}
    # the record's text has no length limit in the CLI's file, nor here (0002 lifted 0001's)
    assert getattr(columns["llm_calls"]["section_id"]["type"], "length", None) is None


def _report(db: Database, tenant: str) -> tuple[str, str]:
    with db.session() as s:
        t = get_or_create_tenant(s, tenant)
        rep, _ = create_report(s, t.id, sop_id="s", document_ids=[], engine="llm", options={}, max_attempts=1)
        s.commit()
        return t.id, rep.id


def test_call_log_keeps_a_reports_calls_by_run(db: Database) -> None:
    tenant, report = _report(db, "acme")
    log = StoreCallLog(db, tenant_id=tenant, report_id=report, attempt=1)
    msgs = [{"role": "user", "content": "hi ✓"}]
    log.record(CallRecord(run_id="r1", section_id="x" * 300, model="m", mode="tools", messages=msgs, input_tokens=3))
    log.record(CallRecord(run_id="r1", model="m", mode="tools", messages=msgs, cached=True, attempts=0))
    log.record(CallRecord(run_id="r2", model="m", mode="json", messages=[], error="boom"))
    rows = log.calls("r1")
    assert [type(r) for r in rows] == [CallRecord, CallRecord] and [r.cached for r in rows] == [False, True]
    assert rows[0].messages == msgs and rows[0].section_id == "x" * 300 and rows[0].input_tokens == 3
    other_tenant, _ = _report(db, "globex")
    assert StoreCallLog(db, tenant_id=other_tenant, report_id=report, attempt=1).calls("r1") == []


def test_response_cache_is_per_tenant_and_last_put_wins(db: Database) -> None:
    (acme, _), (globex, _) = _report(db, "acme"), _report(db, "globex")
    cache, other = StoreResponseCache(db, tenant_id=acme), StoreResponseCache(db, tenant_id=globex)
    assert cache.get("k") is None
    cache.put("k", "m", '{"a": 1}')
    cache.put("k", "m", '{"a": 2}')  # two workers answering the same call: no conflict
    assert cache.get("k") == '{"a": 2}' and other.get("k") is None
    other.put("k", "m", '{"b": 1}')
    assert cache.clear() == 1 and cache.get("k") is None and other.get("k") == '{"b": 1}'


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


def _open_database(url: str) -> str:
    try:
        Database(url).dispose()
    except DatabaseError as e:
        return str(e)
    return ""


def test_processes_starting_together_on_a_new_sqlite_file_all_migrate_it(tmp_path) -> None:  # noqa: ANN001
    """`serve --http-workers N` opens one new SQLite file from N processes at once; without the lock file one
    of them failed with "table blobs already exists" and uvicorn stopped the server."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    for attempt in range(2):
        url = f"sqlite:///{tmp_path / f'race{attempt}.sqlite3'}"
        with ctx.Pool(4) as pool:
            errors = pool.map(_open_database, [url] * 4)
        assert errors == [""] * 4
        d = Database(url)
        try:
            assert TABLES <= set(inspect(d.engine).get_table_names())
        finally:
            d.dispose()
