"""Settings from the environment, the price table, and the SQLite ledger and cache."""

from __future__ import annotations

import json

import pytest

from reportgen.config import ConfigError, Settings, default_engine, llm_configured
from reportgen.errors import ReportgenError
from reportgen.extract.cache import ResponseCache, cache_key
from reportgen.ledger import CallRecord, Ledger
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
    ledger = Ledger.in_dir(tmp_path)
    msgs = [{"role": "user", "content": "hi ✓"}]
    ledger.record(CallRecord(run_id="r1", section_id="a", model="m", mode="tools", messages=msgs,
                             input_tokens=10, output_tokens=5, cost_usd=0.5, latency_s=0.2, attempts=2))
    ledger.record(CallRecord(run_id="r1", section_id="a", model="m", mode="tools", messages=msgs, cached=True,
                             attempts=0, reask=1))
    ledger.record(CallRecord(run_id="r2", model="m", mode="json", messages=msgs, error="APITimeoutError: x"))
    rows = Ledger.in_dir(tmp_path).calls("r1")
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
    cache = ResponseCache.in_dir(tmp_path)
    assert cache.get(key) is None
    cache.put(key, "m", json.dumps({"ok": 1}))
    assert json.loads(ResponseCache.in_dir(tmp_path).get(key)) == {"ok": 1}
    assert cache.clear() == 1 and cache.get(key) is None
