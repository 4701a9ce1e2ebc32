"""Settings from the environment, the price table, and the CLI's SQLite call log and cache (and its migrations)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from reportgen.config import ConfigError, Price, Settings, default_engine, llm_configured
from reportgen.errors import ReportgenError
from reportgen.extract.cache import cache_key
from reportgen.ledger import CachedResponse, CallRecord, SqliteCallLog, SqliteResponseCache
from reportgen.ledger.migrations import MIGRATIONS, applied
from reportgen.store.config import ServiceSettings


def test_settings_from_env_defaults_and_overrides(tmp_path):
    s = Settings.from_env({})
    assert (s.model, s.llm_mode, s.max_concurrency, s.max_reasks) == ("gpt-4o-mini", "tools", 4, 2)
    assert not s.llm_configured
    s = Settings.from_env({
        "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1", "REPORTGEN_MODEL": "llama3", "REPORTGEN_LLM_MODE": "JSON-Schema",
        "REPORTGEN_MAX_CONCURRENCY": "8", "REPORTGEN_MAX_REASKS": "0", "REPORTGEN_TOKEN_BUDGET": "50000",
        "REPORTGEN_CONTEXT_TOKENS": "8000", "REPORTGEN_TIMEOUT": "30", "REPORTGEN_MAX_RETRIES": "1",
        "REPORTGEN_DATA_DIR": str(tmp_path),
    })
    assert s.llm_configured and s.llm_mode == "json_schema" and s.model == "llama3"
    assert (s.max_concurrency, s.max_reasks, s.token_budget, s.context_tokens) == (8, 0, 50000, 8000)
    assert (s.timeout, s.max_retries, s.data_dir) == (30.0, 1, tmp_path)


def test_bad_values_name_the_variable():
    with pytest.raises(ConfigError, match="REPORTGEN_LLM_MODE='xml'") as e:
        Settings.from_env({"REPORTGEN_LLM_MODE": "xml"})
    assert isinstance(e.value, ReportgenError)
    with pytest.raises(ConfigError, match="REPORTGEN_MAX_CONCURRENCY"):
        Settings.from_env({"REPORTGEN_MAX_CONCURRENCY": "0"})


def test_api_key_never_shown():
    s = Settings.from_env({"OPENAI_API_KEY": "sk-secret-123"})
    assert s.llm_configured and llm_configured({"OPENAI_API_KEY": "sk-secret-123"})
    assert "sk-secret-123" not in repr(s) and "sk-secret-123" not in str(s) and "sk-secret" not in s.model_dump_json()
    assert not llm_configured({"OPENAI_API_KEY": "  "})


def test_default_engine_is_one_rule():
    assert default_engine({}) == "local" and default_engine({"OPENAI_API_KEY": " \t"}) == "local"
    assert default_engine({"OPENAI_API_KEY": "sk-x"}) == "llm" == default_engine({"OPENAI_BASE_URL": "http://h/v1"})


def test_only_from_env_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REPORTGEN_MODEL", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/x")
    monkeypatch.setenv("open_when_no_keys", "1")  # a field without a variable is never read from the environment
    assert Settings().model == "gpt-4o-mini" and Settings(data_dir=tmp_path).model == "gpt-4o-mini"
    assert Settings.from_env().model == "from-env" and Settings.from_env({}).model == "gpt-4o-mini"
    assert ServiceSettings().database_url is None
    s = ServiceSettings.from_env(workers=5, open_when_no_keys=None)
    assert s.database_url == "postgresql://u@db/x" and s.workers == 5 and not s.open_when_no_keys
    assert ServiceSettings.from_env({"REPORTGEN_WORKERS": "3"}, workers=None).workers == 3
    with pytest.raises(ConfigError, match=r"^environment variable REPORTGEN_WORKERS='many' is not usable: .*Fix or"):
        ServiceSettings.from_env({"REPORTGEN_WORKERS": " many "})


def test_price_table_defaults_overrides_and_unknown_models(tmp_path):
    s = Settings()
    assert s.cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert Price(input=0.15, output=0.6).cost(1234, 567) == s.cost("gpt-4o-mini", 1234, 567) == 0.0005253
    assert s.price_for("gpt-4o-mini-2024-07-18")[0].input == 0.15
    price, note = s.price_for("my-local-llama")
    assert price.input == 0 and "REPORTGEN_PRICES" in note
    table = tmp_path / "prices.yaml"
    table.write_text("my-local-llama: {input: 1.0, output: 2.0}\n")
    s = Settings.from_env({"REPORTGEN_PRICES": str(table)})
    assert s.cost("my-local-llama", 1000, 1000) == pytest.approx(0.003)
    bad = tmp_path / "prices.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a price table"):
        Settings(prices_path=bad).prices()
    with pytest.raises(ConfigError, match="cannot read"):
        Settings(prices_path=tmp_path / "missing.json").prices()


def test_ledger_round_trip_and_usage(tmp_path):
    ledger = SqliteCallLog.in_dir(tmp_path)
    msgs = [{"role": "user", "content": "hi ✓"}]
    ledger.record(CallRecord(run_id="r1", section_id="a", model="m", mode="tools", messages=msgs,
                             input_tokens=10, output_tokens=5, cost_usd=0.5, latency_s=0.2, attempts=2))
    ledger.record(CallRecord(run_id="r1", section_id="a", model="m", mode="tools", messages=msgs, cached=True,
                             attempts=0, reask=1))
    ledger.record(CallRecord(run_id="r2", model="m", mode="json", messages=msgs, error="APITimeoutError: x"))
    rows = SqliteCallLog.in_dir(tmp_path).calls("r1")
    assert [r.messages for r in rows] == [msgs, msgs] and [r.cached for r in rows] == [False, True]
    assert rows[0].attempts == 2 and rows[1].reask == 1
    u = ledger.usage("r1")
    assert (u.calls, u.cached_calls, u.input_tokens, u.output_tokens, u.cost_usd) == (1, 1, 10, 5, 0.5)
    assert len(ledger.calls()) == 3


def test_cache_key_covers_every_input_and_cache_persists(tmp_path):
    base = dict(model="m", mode="tools", request={"messages": [{"role": "user", "content": "x"}]},
                schema={"type": "object"}, sop_id="s", sop_version=1, source_hashes=["a", "b"])
    key = cache_key(**base)
    assert key == cache_key(**{**base, "source_hashes": ["b", "a"]})  # order of sources does not matter
    for change in [{"model": "n"}, {"mode": "json"}, {"schema": {}}, {"sop_id": "t"}, {"sop_version": 2},
                   {"source_hashes": ["a"]}, {"request": {"messages": []}}]:
        assert cache_key(**{**base, **change}) != key, change
    cache = SqliteResponseCache.in_dir(tmp_path)
    assert cache.get(key) is None
    cache.put(key, "m", json.dumps({"ok": 1}))
    assert json.loads(SqliteResponseCache.in_dir(tmp_path).get(key)) == {"ok": 1}
    assert cache.clear() == 1 and cache.get(key) is None


# The file as reportgen wrote it before its schema was versioned (no `_migrations` table).
_OLD_LAYOUT = """
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, run_id TEXT NOT NULL, section_id TEXT,
    part INTEGER NOT NULL DEFAULT 0, model TEXT NOT NULL, mode TEXT NOT NULL, messages TEXT NOT NULL,
    response_raw TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0, latency_s REAL NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 1,
    reask INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0, error TEXT, cache_key TEXT
);
CREATE INDEX IF NOT EXISTS llm_calls_run ON llm_calls (run_id);
CREATE TABLE IF NOT EXISTS llm_cache (key TEXT PRIMARY KEY, created REAL NOT NULL, model TEXT NOT NULL,
    response TEXT NOT NULL);
INSERT INTO llm_calls (ts, run_id, section_id, model, mode, messages, input_tokens, cost_usd, cached)
    VALUES (1.5, 'old-run', 'summary', 'gpt-4o-mini', 'tools', '[{"role": "user", "content": "hi"}]', 7, 0.25, 0);
INSERT INTO llm_cache (key, created, model, response) VALUES ('k1', 1.5, 'gpt-4o-mini', '{"old": true}');
"""


def _columns(path, table: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def test_a_file_of_the_old_layout_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "llm.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(_OLD_LAYOUT)
    log = SqliteCallLog.in_dir(tmp_path)
    (old,) = log.calls("old-run")
    assert (old.section_id, old.input_tokens, old.cost_usd, old.cached) == ("summary", 7, 0.25, False)
    assert old.messages == [{"role": "user", "content": "hi"}]
    assert json.loads(SqliteResponseCache.in_dir(tmp_path).get("k1")) == {"old": True}
    log.record(CallRecord(run_id="new-run", model="m", mode="json", messages=[]))
    assert [r.run_id for r in log.calls()] == ["old-run", "new-run"]
    with sqlite3.connect(path) as conn:
        assert applied(conn) == [fn.__name__ for fn in MIGRATIONS]
    SqliteCallLog.in_dir(tmp_path)  # opening again applies nothing twice
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


def test_the_migrated_file_holds_exactly_the_record_fields(tmp_path):
    SqliteCallLog.in_dir(tmp_path)
    path = tmp_path / "llm.sqlite3"
    assert _columns(path, "llm_calls") == {"id", *CallRecord.model_fields}
    assert _columns(path, "llm_cache") == set(CachedResponse.model_fields)
