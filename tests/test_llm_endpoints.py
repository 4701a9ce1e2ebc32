"""The llm engine against endpoints that are not OpenAI: refused request modes, validation errors sent as
5xx, context windows, quotes cited by line id, and a run in which every section failed."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import openai
import pytest

import reportgen
from reportgen.config import LOCAL_TIMEOUT, REMOTE_TIMEOUT, Settings
from reportgen.corpus import Corpus
from reportgen.errors import ConfigError, ExtractionError
from reportgen.extract.citing import resolve_quote
from reportgen.extract.endpoint import classify, source_budget, useful_detail
from reportgen.extract.llm import LLMExtractor
from reportgen.ledger import SqliteCallLog
from reportgen.pipeline import extract_all, make_run
from reportgen.sections import ground_draft
from reportgen.sop import SOP
from reportgen.testing import Fault, serve_fake_openai
from reportgen.testing.fake_openai import SCHEMA_REFUSAL, TOOLS_REFUSAL
from reportgen.testing.samples import meeting_sop, transcript


def _settings(server, tmp_path: Path, **kw) -> Settings:
    base = {"openai_base_url": server.base_url, "data_dir": tmp_path, "max_retries": 4, "timeout": 5.0}
    return Settings(**{**base, **kw})


def _extract(settings: Settings, sop: SOP, docs):
    ex = LLMExtractor(settings)
    return ex, asyncio.run(extract_all(ex, make_run(sop, docs)))


def _status_error(status: int, body: dict) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(status, json={"error": body}, request=request)
    cls = openai.BadRequestError if status == 400 else openai.InternalServerError
    return cls(f"Error code: {status} - {body}", response=response, body=body)


# -- refusals: recognised, not retried, fallen back from ---------------------------------------------


def test_llama_cpp_schema_refusal_is_a_mode_refusal_with_the_useful_part_kept():
    r = classify(_status_error(500, {"message": SCHEMA_REFUSAL, "type": "internal_server_error"}), "json_schema")
    assert r is not None and r.kind == "mode" and r.status == 500
    assert r.detail == "response_format.type: Input should be 'text' or 'json_object'"
    tools = classify(_status_error(400, {"message": TOOLS_REFUSAL}), "tools")
    assert tools is not None and tools.kind == "mode"
    ctx = classify(_status_error(400, {"message": "This model's maximum context length is 8192 tokens. However, "
                                       "you requested 9000 tokens", "code": "context_length_exceeded"}), "tools")
    assert ctx is not None and (ctx.kind, ctx.window) == ("context", 8192)
    assert classify(_status_error(500, {"message": "The server had an error"}), "tools") is None  # transient
    assert useful_detail("x" * 900).endswith("...") and len(useful_detail("x" * 900)) == 403


def test_json_schema_refusal_falls_back_to_tools_without_retries(tmp_path):
    docs, sop = [transcript()], meeting_sop(3)
    with serve_fake_openai(faults=[Fault("schema_refused")]) as server:
        ex, drafts = _extract(_settings(server, tmp_path, llm_mode="json_schema", max_concurrency=1), sop, docs)
    assert all(d.failed is None and d.items for d in drafts)
    refused = [e for e in server.log if e.status == 500]
    # one refusal teaches the engine: the first section's ask, never retried; every other call is in tools mode
    assert len(refused) == 1 and refused[0].mode == "json_schema"
    assert {e.mode for e in server.log if e.status == 200} == {"tools"}
    assert ex.refused == {"json_schema": "HTTP 500: response_format.type: Input should be 'text' or 'json_object'"}
    (note,) = [n for n in ex.notes if "refused json_schema" in n]
    assert "made in tools mode" in note and "Input should be 'text' or 'json_object'" in note
    rows = SqliteCallLog.in_dir(tmp_path).calls(ex.last_run_id)
    assert [(r.mode, r.attempts) for r in rows if r.error] == [("json_schema_mode", 1)]


def test_a_cached_rerun_after_a_fallback_makes_no_call(tmp_path):
    docs, sop = [transcript()], meeting_sop(3)
    with serve_fake_openai(faults=[Fault("schema_refused")]) as server:
        settings = _settings(server, tmp_path, llm_mode="json_schema", max_concurrency=1)
        _, first = _extract(settings, sop, docs)
        paid = server.calls
        ex, again = _extract(settings, sop, docs)
    assert server.calls == paid  # the refusal is replayed from the cache too
    assert [d.items for d in again] == [d.items for d in first]
    assert sum(d.usage.calls for d in again) == 0 and any("refused json_schema" in n for n in ex.notes)


def test_a_failed_call_is_not_cached_so_the_rerun_asks_again(tmp_path):
    """What may pass (a 5xx, a timeout) is never kept: the re-run pays for those calls and no others."""
    docs, sop = [transcript()], meeting_sop(3)
    with serve_fake_openai(faults=[Fault("server_error", match="Decisions")]) as server:
        _, first = _extract(_settings(server, tmp_path, max_retries=0, max_concurrency=1), sop, docs)
        failed = [d.section_id for d in first if d.failed]
        paid = server.calls
    assert failed == ["decisions"] and all(d.items for d in first if not d.failed)
    with serve_fake_openai() as server:  # the endpoint has recovered; the cache is the same
        ex, again = _extract(_settings(server, tmp_path, max_retries=0, max_concurrency=1), sop, docs)
        asked = [re.search(r"\(id: (\w+),", e.body["messages"][-1]["content"]).group(1) for e in server.log]
    assert asked == ["decisions"] and all(d.failed is None for d in again)
    assert {d.section_id: d.usage.calls for d in again}["decisions"] == 1 and paid == len(sop.sections)
    rows = SqliteCallLog.in_dir(tmp_path).calls(ex.last_run_id)
    assert sorted(r.section_id for r in rows if not r.cached) == ["decisions"]


def test_concurrent_sections_each_fall_back(tmp_path):
    docs, sop = [transcript()], meeting_sop(3)
    with serve_fake_openai(faults=[Fault("schema_refused")], latency=0.05) as server:
        _, drafts = _extract(_settings(server, tmp_path, llm_mode="json_schema", max_concurrency=4), sop, docs)
    assert all(d.failed is None and d.items for d in drafts)
    assert all(e.status == 500 for e in server.log if e.mode == "json_schema")
    assert len([e for e in server.log if e.mode == "json_schema"]) <= 3  # at most one per section in flight


def test_tools_refusal_falls_back_to_json(tmp_path):
    docs, sop = [transcript()], meeting_sop(2)
    with serve_fake_openai(faults=[Fault("tools_refused")]) as server:
        ex, drafts = _extract(_settings(server, tmp_path, max_concurrency=1), sop, docs)
    assert all(d.failed is None and d.items for d in drafts)
    assert [e.mode for e in server.log] == ["tools", "json", "json"]
    assert any("refused tools" in n and "made in json mode" in n for n in ex.notes)


def test_without_fallback_the_refusal_fails_each_section_once_with_the_reason(tmp_path):
    docs, sop = [transcript()], meeting_sop(2)
    with serve_fake_openai(faults=[Fault("schema_refused")]) as server:
        _, drafts = _extract(_settings(server, tmp_path, llm_mode="json_schema", llm_fallback=False), sop, docs)
    assert server.calls == 2  # one per section: a validation error sent as a 500 is not retried
    for d in drafts:
        assert d.failed and "response_format.type: Input should be 'text' or 'json_object'" in d.failed
        assert "refused every request mode" in d.failed


def test_a_plain_server_error_is_still_retried(tmp_path):
    docs, sop = [transcript()], meeting_sop(1)
    with serve_fake_openai(faults=[Fault("server_error", at=[0, 1])]) as server:
        _, drafts = _extract(_settings(server, tmp_path), sop, docs)
    assert drafts[0].failed is None and [e.status for e in server.log] == [500, 500, 200]


def test_modes_declared_per_base_url(tmp_path):
    table = tmp_path / "endpoints.yaml"
    with serve_fake_openai() as server:
        table.write_text(f"{server.base_url}/:\n  modes: [json]\n  context_window: 6000\n  max_output_tokens: 300\n")
        settings = _settings(server, tmp_path, endpoints_path=table)
        ex, drafts = _extract(settings, meeting_sop(1), [transcript()])
    assert ex.modes == ["json"] and server.log[0].mode == "json" and drafts[0].items
    assert server.log[0].body["max_tokens"] == 300
    table.write_text("http://x/v1: {modes: [xml]}\n")
    with pytest.raises(ConfigError, match="REPORTGEN_ENDPOINTS=.*not an endpoint table"):
        Settings(openai_base_url="http://x/v1", endpoints_path=table).for_endpoint()


def test_timeouts_fit_local_servers_unless_set():
    assert Settings(openai_base_url="http://127.0.0.1:8080/v1").request_timeout == LOCAL_TIMEOUT
    assert Settings(openai_base_url="http://ollama:11434/v1").request_timeout == LOCAL_TIMEOUT
    assert Settings(openai_base_url="https://api.example.com/v1").request_timeout == REMOTE_TIMEOUT
    assert Settings(openai_base_url="http://127.0.0.1:8080/v1", timeout=30).request_timeout == 30
    env = {"OPENAI_BASE_URL": "http://localhost/v1", "REPORTGEN_TIMEOUT": "45"}
    assert Settings.from_env(env).request_timeout == 45


# -- the context window ------------------------------------------------------------------------------


def _every_segment_read(server, docs, section_title: str) -> bool:
    import re

    sent: set[int] = set()
    for e in server.log:
        if e.status == 200 and f"Section: {section_title}" in e.messages[1]["content"]:
            sent.update(int(m) for m in re.findall(r"\[D1:S(\d+) ", e.messages[1]["content"]))
    return sent == {s.id for s in docs[0].segments}


@pytest.mark.parametrize("how", ["props", "configured", "refusal"])
def test_an_8k_window_is_respected_by_splitting(tmp_path, how):
    docs = [transcript(extra=400)]  # about 9-10k tokens of sources
    sop = SOP(id="s", name="S", sections=[meeting_sop(3).sections[0], meeting_sop(3).sections[2]])
    extra = {"context_window": 8192} if how == "configured" else {}
    with serve_fake_openai(context_window=8192, window_in_props=how == "props") as server:
        ex, (summary, actions) = _extract(_settings(server, tmp_path, max_concurrency=2, **extra), sop, docs)
    assert summary.failed is None and actions.failed is None and summary.items and actions.items
    refused = [e for e in server.log if e.status == 400]
    assert (len(refused) > 0) == (how == "refusal")  # a known window is planned for; else learned from the refusal
    assert all(e.body.get("max_tokens") for e in server.log if e.status == 200)
    assert _every_segment_read(server, docs, "Action items")
    assert any("consecutive parts" in n for n in actions.notes)
    if how == "refusal":
        assert any("REPORTGEN_CONTEXT_WINDOW=8192" in n for n in ex.notes)


def test_source_budget_leaves_room_for_the_prompt_and_answers():
    assert source_budget(8192, 1500, 1024, reasks=2) == int(8192 * 0.85) - 1500 - 2048 - 300
    assert source_budget(8192, 1500, 1024, reasks=0) == int(8192 * 0.85) - 1500 - 1024


def test_a_window_too_small_for_the_prompt_fails_the_section_saying_so(tmp_path):
    with serve_fake_openai() as server:
        _, (d,) = _extract(_settings(server, tmp_path, context_window=1024), meeting_sop(1), [transcript()])
    assert d.failed and "context window (1024 tokens) leaves no room" in d.failed and server.calls == 0


# -- quotes cited by line id -------------------------------------------------------------------------


def test_line_ids_pick_the_segment_and_words_the_span():
    doc = transcript()
    corpus = Corpus([doc])
    runbook = "I'll send the migration runbook to the whole team by Friday."
    cases = {
        f"[D1:S2 00:14 Jason] {runbook}": ([runbook], "by-id-span"),
        "D1:S2 00:14": ([runbook], "by-id"),
        "D1:S2": ([runbook], "by-id"),
        "D1:S2 Jason: I will send the migration runbook to the team by Friday": (
            ["I'll send the migration runbook to the whole team by Friday"], "by-id-span"),
        "D1:S0 the vendor will be paid next quarter whatever happens": (
            ["Thanks everyone for joining the planning meeting about the billing migration."], "id-words-unfound"),
        "D1:S0 We decided to move the invoices service to the new billing platform in March.": (
            ["We decided to move the invoices service to the new billing platform in March."], "id-words-elsewhere"),
        "plain words": (["plain words"], "verbatim"),
        "D1:S99 00:00": ([], "unknown-id"),  # a tag alone quotes nothing, even a tag of no line
        "D1:S99 We decided to move the invoices service": (["We decided to move the invoices service"], "unknown-id"),
    }
    for quote, (expected, how) in cases.items():
        r = resolve_quote(quote, corpus)
        assert (r.quotes, r.how) == (expected, [how]), quote
    two = resolve_quote(f"[D1:S1 00:07 Priya] We decided [D1:S2 00:14 Jason] {runbook}", corpus)
    assert two.quotes[1] == runbook and two.how == ["by-id-span", "by-id-span"]


def test_a_tag_is_never_taken_as_the_quote():
    corpus = Corpus([transcript()])
    for quote in ["D1:S2 00:14 Jason", "[D1:S2 00:14 Jason]", "[D1:S2]", "D1:S99 00:14", "[D1:S7 01:02 Jason]"]:
        assert all("D1:S" not in q and "00:14" not in q for q in resolve_quote(quote, corpus).quotes), quote


@pytest.mark.parametrize("fault", ["tagged_quote", "tag_only_quote"])
def test_quotes_written_with_line_tags_are_located(tmp_path, fault):
    docs, sop = [transcript()], meeting_sop(3)
    with serve_fake_openai(faults=[Fault(fault)]) as server:
        ex, drafts = _extract(_settings(server, tmp_path), sop, docs)
    assert server.calls == 3  # no re-ask: the engine resolves the tags itself
    assert "D1:S" in json.dumps(server.log[0].response)  # the model did write tags
    for d in drafts:
        section = ground_draft(d, sop.section(d.section_id), docs)
        cites = [c for i in section.items for c in i.citations]
        assert cites and all(c.located for c in cites)
        assert not any("D1:S" in c.quote for c in cites)
    expected = "by-id-span" if fault == "tagged_quote" else "by-id"
    assert set(ex.last_quotes) == {expected} and sum(ex.last_quotes.values()) > 0


# -- all sections failed: the run failed -------------------------------------------------------------


def test_a_report_whose_every_section_failed_is_an_error(tmp_path, monkeypatch):
    meeting = tmp_path / "m.vtt"
    meeting.write_text(transcript().text, encoding="utf-8")
    with serve_fake_openai(faults=[Fault("server_error")]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("REPORTGEN_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("REPORTGEN_MAX_RETRIES", "0")
        with pytest.raises(ExtractionError, match=r"no section of the report could be filled: all \d+ sections"):
            reportgen.generate([transcript()], sop="meeting-action-items")


def test_one_section_failing_keeps_the_report(tmp_path, monkeypatch):
    with serve_fake_openai(faults=[Fault("server_error", match="Section: Decisions")]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("REPORTGEN_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("REPORTGEN_MAX_RETRIES", "0")
        report = reportgen.generate([transcript()], sop="meeting-action-items")
    states = {s.id: s.status for s in report.sections}
    assert states["decisions"] == "failed" and any(v != "failed" for v in states.values())
    assert any(i.code == "section-failed" for i in report.issues)


def test_a_job_whose_every_section_failed_is_failed(tmp_path, monkeypatch):
    from reportgen.jobs.run import execute_job
    from reportgen.store.db import Database
    from reportgen.store.documents import save_document
    from reportgen.store.keys import get_or_create_tenant
    from reportgen.store.reports import create_report
    from reportgen.store.tables import Job, ReportRow
    from tests.service_fixtures import settings_for

    db = Database(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    with db.session() as s:
        t = get_or_create_tenant(s, "acme")
        row = save_document(s, t.id, transcript(), blob_sha256=None, size=0)
        _, job = create_report(s, t.id, sop_id="meeting-action-items", document_ids=[row.id], engine="llm",
                               options={}, max_attempts=2)
        s.commit()
    with serve_fake_openai(faults=[Fault("server_error")]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("REPORTGEN_MAX_RETRIES", "0")
        assert execute_job(job.id, db=db, settings=settings_for(tmp_path)) == "failed"
    with db.session() as s:
        done = s.get(Job, job.id)
        assert done.state == "failed" and "no section of the report could be filled" in done.error
        assert "HTTP 500" in done.error and s.get(ReportRow, done.report_id).data is None
    db.dispose()


def test_cli_exits_nonzero_when_every_section_failed(tmp_path):
    src = tmp_path / "sync.txt"
    src.write_text("[00:00:04] Maya Chen: We need a decision on the launch date.\n"
                   "[00:00:12] Daniel Okafor: I'll fix the retry path by Friday.\n", encoding="utf-8")
    out = tmp_path / "r.md"
    with serve_fake_openai(faults=[Fault("schema_refused")]) as server:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPENAI_BASE_URL": server.base_url,
               "REPORTGEN_DATA_DIR": str(tmp_path), "REPORTGEN_LLM_MODE": "json_schema",
               "REPORTGEN_LLM_FALLBACK": "false"}
        r = subprocess.run([sys.executable, "-m", "reportgen.cli", "generate", str(src), "--sop",
                            "meeting-action-items", "--engine", "llm", "-o", str(out)],
                           capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 1, r.stderr
    assert "no section of the report could be filled" in r.stderr and "Input should be 'text'" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists() and "100%" not in r.stderr


def test_progress_is_reported_while_a_slow_call_runs(tmp_path):
    docs, sop, events = [transcript()], meeting_sop(1), []
    with serve_fake_openai(latency=0.5) as server:
        ex = LLMExtractor(_settings(server, tmp_path))
        ex.progress_every = 0.1
        run = make_run(sop, docs)
        run.on_event = events.append
        asyncio.run(extract_all(ex, run))
    working = [e for e in events if e.stage == "working"]
    assert len(working) >= 3 and all(e.section_id == "summary" for e in working)
    assert "Summary: waiting for the model (first ask)" in working[0].message
