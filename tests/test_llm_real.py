"""The llm engine against a real OpenAI-compatible server with real weights, end to end.

`.ci/run` starts llama.cpp's server (llama-cpp-python[server]) with Qwen2.5-Coder-0.5B-Instruct on
127.0.0.1 and exports REPORTGEN_REAL_LLM_URL; without it these tests skip, and under
REPORTGEN_REQUIRE_ALL=1 they fail. They are kept small (one eight-line transcript, two sections,
answers capped at 384 tokens): the file took 17 minutes on two cores shared with other work (load
average ~10; the server read prompts at 11-16 tokens/s and wrote at 4-5), 1-3 on an idle machine.

Each call may take 30 minutes and is not retried: a single-slot local server goes on working on a
request whose client timed out, so a retry only queues behind it (the first timeout would then
fail the section as transport, and the test with it).

What the fake server cannot show, this does: the real server's refusal of a json_schema
response_format, its constrained decoding in tools and json modes, its token counts, and a small
model's habit of copying line tags into quotes.

The server samples (llama-cpp-python's default temperature is 0.8), so the 0.5B model's answers
differ from run to run. Its decisions answer often runs to the 384-token cap and is cut off; the
re-ask is then sometimes cut off too, and that section fails with the reason said. That is the
model's answer, not the engine's protocol: the report still completes, and these tests assert
what the engine controls (fallback, refusals asked once, bounded re-asks, the server's token
counts, citations never at a wrong place, a cached re-run with 0 calls), never the model's
quality (bench/llm_real.py and bench/llm_floor.py measure that).

With REPORTGEN_REAL_LLM_RESULTS=FILE each run appends one JSON row per mode to FILE: calls,
re-asks, tokens, wall time and how the quotes were located (docs/llm.md's per-mode table).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from reportgen.config import Settings
from reportgen.extract.llm import LLMExtractor
from reportgen.extract.requests import MODES
from reportgen.grounding import normalise
from reportgen.models import Report
from reportgen.pipeline import agenerate
from reportgen.sop import SOP
from reportgen.testing.samples import meeting_sop, transcript
from tests.support import require

pytestmark = pytest.mark.real_llm

URL = os.environ.get("REPORTGEN_REAL_LLM_URL", "")
MODEL = os.environ.get("REPORTGEN_REAL_LLM_MODEL", "qwen2.5-coder-0.5b")
WINDOW = int(os.environ.get("REPORTGEN_REAL_LLM_CTX", "8192"))
MAX_REASKS = 1


def _answers(url: str) -> bool:
    try:
        # A busy llama-cpp-python server can take a while to answer even this: wait, do not skip.
        return httpx.get(url.rstrip("/") + "/models", timeout=120).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def server_url() -> str:
    require(bool(URL) and _answers(URL),
            "a llama.cpp server with the 0.5B model at REPORTGEN_REAL_LLM_URL (.ci/run starts one)")
    return URL


def _sop() -> SOP:
    full = meeting_sop(3)
    return SOP(id="real-llm", name="Real LLM check", version=1, sections=full.sections[1:3])


def _settings(url: str, data_dir: Path, mode: str) -> Settings:
    return Settings(openai_base_url=url, openai_api_key=None, model=MODEL, llm_mode=mode, data_dir=data_dir,
                    max_reasks=MAX_REASKS, max_concurrency=1, max_output_tokens=384, context_window=WINDOW,
                    timeout=1800, max_retries=0)


def _run(url: str, data_dir: Path, mode: str) -> tuple[Report, LLMExtractor]:
    engine = LLMExtractor(_settings(url, data_dir, mode))
    report = asyncio.run(agenerate([transcript()], _sop(), engine=engine))
    return report, engine


def _record(mode: str, report: Report, engine: LLMExtractor, wall: float, cached_calls: int) -> None:
    """One row of the per-mode table, appended to REPORTGEN_REAL_LLM_RESULTS when it is set."""
    out = os.environ.get("REPORTGEN_REAL_LLM_RESULTS")
    if not out:
        return
    rows = engine.ledger.calls(engine.last_run_id or "")
    v = report.verification()
    items = [i for s in report.sections for i in s.findings()]
    row = {
        "mode": mode, "answered_in": dict(engine.last_modes), "http_calls": len(rows),
        "refused": sum(1 for r in rows if r.error), "reasks": sum(1 for r in rows if r.reask),
        "input_tokens": sum(r.input_tokens for r in rows), "output_tokens": sum(r.output_tokens for r in rows),
        "wall_s": round(wall, 1), "sections": {s.id: s.status for s in report.sections},
        "items": v["items"], "items_located": sum(any(c.located for c in i.citations) for i in items),
        "by_status": v["by_status"], "support": dict(Counter(i.support for i in items)),
        "quotes_resolved": dict(engine.last_quotes), "cached_rerun_http_calls": cached_calls,
        "gen_s": round(sum(r.latency_s or 0 for r in rows), 1),
    }
    with open(out, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def _no_citation_at_a_wrong_place(report: Report, text: str) -> None:
    for section in report.sections:
        for item in section.items:
            for c in item.citations:
                assert "D1:S" not in c.quote  # a line tag is never a quote
                if not c.located:
                    assert c.char_start is None and c.start is None
                    continue
                span = text[c.char_start : c.char_end]
                if c.status == "exact":
                    assert span == c.quote
                else:
                    assert normalise(span) and c.score > 0
                starts = {s.id: s for s in transcript().segments}
                assert c.segment_ids and all(i in starts for i in c.segment_ids)
                assert c.start == starts[c.segment_ids[0]].start


@pytest.mark.parametrize("mode", ["json_schema", "json"])
def test_real_server_end_to_end(server_url: str, tmp_path: Path, mode: str) -> None:
    """json_schema is refused by llama.cpp's server, so that run shows the fallback (to tools) as well."""
    doc = transcript()
    t0 = time.perf_counter()
    report, engine = _run(server_url, tmp_path, mode)
    wall = time.perf_counter() - t0
    done = [s for s in report.sections if s.status in ("ok", "empty")]
    assert done, [(s.id, s.notes) for s in report.sections]  # the report completes
    for s in report.sections:  # a section fails only for the model's answer, never transport or a refusal
        if s.status == "failed":
            assert any("did not match the section's schema" in n for n in s.notes), (s.id, s.notes)
    _no_citation_at_a_wrong_place(report, doc.text)

    rows = engine.ledger.calls(engine.last_run_id or "")
    answered = [r for r in rows if not r.error]
    assert answered and all(r.input_tokens > 0 and r.output_tokens > 0 for r in answered)
    for r in answered:  # the server's own counts, not an estimate
        usage = json.loads(r.response_raw or "{}")["usage"]
        assert (r.input_tokens, r.output_tokens) == (usage["prompt_tokens"], usage["completion_tokens"])
    assert max(r.reask for r in rows) <= MAX_REASKS
    refused = [r for r in rows if r.error]
    if mode == "json_schema":
        assert engine.refused and "json_schema" in engine.refused
        assert len(refused) == 1 and refused[0].attempts == 1  # asked once, never five times
        assert {r.mode for r in answered} == {MODES["tools"].value}  # the ledger keeps instructor's name
        assert any("refused json_schema" in i.message for i in report.issues)
    else:
        assert not refused and {r.mode for r in answered} == {MODES["json"].value}
    assert report.usage.calls == len(rows) and report.usage.input_tokens == sum(r.input_tokens for r in rows)

    again, engine2 = _run(server_url, tmp_path, mode)
    _record(mode, report, engine, wall, again.usage.calls)
    assert again.usage.calls == 0 and again.usage.cached_calls == len(rows)
    assert all(r.cached for r in engine2.ledger.calls(engine2.last_run_id or ""))
    assert [[i.fields for i in s.items] for s in again.sections] == [[i.fields for i in s.items]
                                                                    for s in report.sections]
