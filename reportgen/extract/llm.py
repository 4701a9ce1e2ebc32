"""The `llm` engine: one structured call per section (per part of long sources), checked and re-asked.

Built on instructor's request/response machinery for the three modes (tools, JSON schema,
JSON) rather than its retry loop, because the loop here must do three things instructor's
does not: consult the response cache before any HTTP, record every call in the ledger with
its transport attempts, and count re-asks against a per-report token budget. So each call is:

    cache? -> openai (transport retries: the client's own, honouring Retry-After) -> ledger
           -> instructor parses -> ground every quote + check fields -> re-ask (bounded) or done

Re-asks (schema errors, unlocated quotes, invalid fields) are capped by REPORTGEN_MAX_REASKS
and stop early when the report's token budget is spent; transport retries are separate and
capped by REPORTGEN_MAX_RETRIES. Items whose quotes still cannot be located are kept, and
grounding flags them unsupported downstream; they are never dropped and never verified here.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.processing.response import handle_reask_kwargs, handle_response_model, process_response_async
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from reportgen.config import Settings
from reportgen.context import ContextChunk, plan_context
from reportgen.drafts import DraftItem, DraftSection
from reportgen.errors import ExtractionError, TransportError
from reportgen.extract.base import Run
from reportgen.extract.cache import cache_key
from reportgen.extract.prompts import build_messages, reask_text
from reportgen.ledger import CallLog, CallRecord, ResponseCache, SqliteCallLog, SqliteResponseCache
from reportgen.models import Document, Usage, new_id
from reportgen.sop import SOP, SectionSpec
from reportgen.sopschema import draft_from_response, section_model

MODES = {"tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA, "json": instructor.Mode.JSON}

# Errors of the whole configuration, not of one section: every call would fail the same way.
_FATAL = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)


@dataclass
class TokenBudget:
    """Input+output tokens spent by one report; re-asks and extra parts stop when it runs out."""

    limit: int
    used: int = 0
    reserved: int = 0  # estimates of calls in flight, so concurrent parts cannot all pass the check

    def allows(self, next_tokens: int = 0) -> bool:
        return self.used + self.reserved + next_tokens <= self.limit

    def reserve(self, tokens: int) -> int:
        self.reserved += tokens
        return tokens

    def settle(self, reserved: int, spent: int) -> None:
        self.reserved -= reserved
        self.used += spent


@dataclass
class _State:
    """The engine's own state for one run, beside the `Run` it was given."""

    run: Run
    run_id: str
    budget: TokenBudget
    source_hashes: list[str]
    sem: asyncio.Semaphore
    client: Any = None
    budget_notes: set[str] = field(default_factory=set)

    @property
    def sop(self) -> SOP:
        return self.run.sop

    @property
    def documents(self) -> list[Document]:
        return self.run.documents


@functools.lru_cache(maxsize=256)
def _schema_of(model_cls: type[BaseModel]) -> dict[str, Any]:
    return model_cls.model_json_schema()


@functools.lru_cache(maxsize=256)
def _prepared(model_cls: type[BaseModel], mode: instructor.Mode, system: str) -> tuple[Any, dict[str, Any]]:
    return handle_response_model(model_cls, mode=mode, messages=[{"role": "system", "content": system}])


def _prepare(model_cls: type[BaseModel], mode: instructor.Mode, messages: list[dict[str, str]]) -> tuple[Any, dict]:
    """instructor's request for `mode`. Preparing it generates the JSON schema (milliseconds per
    call), and it depends only on the model and the system message (JSON mode writes the schema
    into that), so it is computed once per pair and the user message appended."""
    if not messages or messages[0]["role"] != "system":
        return handle_response_model(model_cls, mode=mode, messages=messages)
    response_model, base = _prepared(model_cls, mode, messages[0]["content"])
    base = copy.deepcopy(base)
    base["messages"] = base["messages"] + list(messages[1:])
    return response_model, base


def _estimate(kwargs: dict[str, Any]) -> int:
    return len(json.dumps(kwargs.get("messages", []), ensure_ascii=False)) // 4


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _item_key(item: DraftItem) -> str:
    return json.dumps(item.fields, sort_keys=True, default=str).lower()


def merge_parts(spec: SectionSpec, drafts: Sequence[DraftSection]) -> DraftSection:
    """One section from the drafts of its parts: items in part order, exact duplicates (the same
    fields, or the same quotes, as happens in the overlap between parts) merged."""
    merged = DraftSection(section_id=spec.id)
    by_key: dict[str, DraftItem] = {}
    by_quotes: dict[tuple[str, ...], DraftItem] = {}
    for d in drafts:
        merged.usage = merged.usage.add(d.usage)
        merged.notes.extend(n for n in d.notes if n not in merged.notes)
        for item in d.items:
            qkey = tuple(sorted(q.strip() for q in item.quotes))
            twin = by_key.get(_item_key(item)) or (by_quotes.get(qkey) if qkey else None)
            if twin is not None:
                twin.quotes.extend(q for q in item.quotes if q not in twin.quotes)
                continue
            merged.items.append(item)
            by_key[_item_key(item)] = item
            if qkey:
                by_quotes[qkey] = item
    failed = [d.failed for d in drafts if d.failed]
    if failed and len(failed) == len(drafts):
        merged.failed = failed[0] if len(failed) == 1 else f"all {len(drafts)} parts failed: {failed[0]}"
    elif failed:
        for i, d in enumerate(drafts, start=1):
            if d.failed:
                merged.notes.append(f"part {i} of {len(drafts)} of the sources could not be extracted: {d.failed}")
    return merged


class LLMExtractor:
    """The Extractor for any OpenAI-compatible endpoint (see module doc)."""

    name = "llm"
    extractive = False

    def __init__(
        self,
        settings: Settings | None = None,
        client: openai.AsyncOpenAI | None = None,
        *,
        ledger: CallLog | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.model: str | None = self.settings.model
        self.mode = MODES[self.settings.llm_mode]
        if client is None and not self.settings.llm_configured:
            raise ExtractionError(
                "the llm engine needs an endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any "
                "OpenAI-compatible server), or use --engine local."
            )
        # A client passed in belongs to the caller. Otherwise one is made per extract() call: an
        # AsyncOpenAI's connection pool is bound to the event loop it first ran on, and callers
        # often run each report under a fresh asyncio.run().
        self.client = client
        # Without a call log or cache given (the CLI), both live in the data directory's SQLite file;
        # a job passes the store's, shared by every worker (reportgen.store.llm).
        self.ledger: CallLog = ledger if ledger is not None else SqliteCallLog.in_dir(self.settings.data_dir)
        if cache is None and self.settings.cache_enabled:
            cache = SqliteResponseCache.in_dir(self.settings.data_dir)
        self.cache: ResponseCache | None = cache
        self.last_run_id: str | None = None
        self._price, self._price_note = self.settings.price_for(self.settings.model)
        self.notes: list[str] = []  # remarks about the last run for the report (e.g. an unknown price)

    # -- the Extractor protocol ------------------------------------------------------------

    async def extract(self, run: Run) -> AsyncIterator[DraftSection]:
        """Sections run concurrently (under the concurrency limit) and are yielded as each finishes."""
        state = _State(
            run=run,
            run_id=run.run_id or new_id("run"),
            budget=TokenBudget(run.token_budget or self.settings.token_budget),
            source_hashes=[d.sha256 for d in run.documents],
            sem=asyncio.Semaphore(self.settings.max_concurrency),
        )
        self.last_run_id = state.run_id
        self.notes = [self._price_note] if self._price_note else []
        state.client = self.client or self._make_client()
        tasks = [asyncio.ensure_future(self._section(state, spec)) for spec in run.sections]
        try:
            for finished in asyncio.as_completed(tasks):
                yield await finished  # a configuration error (ExtractionError) ends the run here
        finally:  # on an error, or a caller that stopped reading: no section keeps running
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.client is None:
                await state.client.close()

    def _make_client(self) -> openai.AsyncOpenAI:
        s = self.settings
        # A plain-http endpoint (a local server) needs no CA bundle; loading one costs ~60 ms per client.
        plain = (s.openai_base_url or "").startswith("http://")
        return openai.AsyncOpenAI(
            api_key=s.openai_api_key.get_secret_value() if s.openai_api_key else "not-needed",
            base_url=s.openai_base_url,
            timeout=s.timeout,
            max_retries=s.max_retries,
            http_client=openai.DefaultAsyncHttpxClient(verify=False) if plain else None,
        )

    # -- one section ------------------------------------------------------------------------

    async def _section(self, state: _State, spec: SectionSpec) -> DraftSection:
        started = time.monotonic()
        plan = plan_context(spec, state.run.corpus, self.settings.context_tokens)
        n = len(plan.parts)
        selected = plan.strategy == "bm25"
        drafts = await asyncio.gather(
            *(self._part(state, spec, chunks, i, n, selected=selected) for i, chunks in enumerate(plan.parts))
        )
        draft = merge_parts(spec, drafts) if n > 1 else drafts[0]
        draft.notes = [*plan.notes, *draft.notes]
        draft.usage = draft.usage.model_copy(update={"seconds": round(time.monotonic() - started, 3)})
        draft.progress = {"calls": draft.usage.calls, "cached_calls": draft.usage.cached_calls,
                          "parts": n, "strategy": plan.strategy}
        return draft

    async def _part(
        self, state: _State, spec: SectionSpec, chunks: list[ContextChunk], index: int, parts: int, *, selected: bool
    ) -> DraftSection:
        """One conversation: the first ask and up to max_reasks corrections."""
        usage = Usage()
        notes: list[str] = []
        where = f" (part {index + 1} of {parts})" if parts > 1 else ""
        dates = [str(d.meta["date"]) for d in state.documents if d.meta.get("date")]
        when = dates[0] if dates else (state.run.meeting_date.isoformat() if state.run.meeting_date else None)
        messages = build_messages(state.sop, spec, chunks, part=index + 1, parts=parts, selected=selected,
                                  meeting_date=when)
        model_cls = section_model(spec)
        response_model, kwargs = _prepare(model_cls, self.mode, messages)
        schema = _schema_of(model_cls)
        estimate = _estimate(kwargs)
        if index > 0 and not state.budget.allows(estimate):
            segs = sum(len(c.segment_ids) for c in chunks)
            return DraftSection(
                section_id=spec.id,
                notes=[f"token budget: part {index + 1} of {parts} of the sources ({segs} segments) was not read "
                       f"because the report's token budget ({state.budget.limit}) was spent. Raise "
                       "REPORTGEN_TOKEN_BUDGET to read it."],
            )
        best: DraftSection | None = None
        reask = 0
        while True:
            try:
                completion, call_usage = await self._call(
                    state, spec, kwargs, schema, part=index, reask=reask, reserved=state.budget.reserve(estimate)
                )
            except TransportError as e:
                usage = usage.add(Usage(calls=1))
                reason = f"the LLM endpoint did not answer{where}: {e}"
                if best is not None:  # a re-ask failed in transport: keep the last parsed answer
                    best.notes.append(reason + "; kept the previous answer")
                    break
                return DraftSection(section_id=spec.id, failed=reason, usage=usage, notes=notes)
            usage = usage.add(call_usage)
            problems: list[str]
            try:
                obj = await process_response_async(completion, response_model=response_model, mode=self.mode)
            except Exception as e:  # instructor raises pydantic/JSON/its own errors for an unusable answer
                problems = [f"the answer does not match the schema: {_short(e)}"]
                parse_error: Exception | None = e
            else:
                parse_error = None
                best = draft_from_response(spec, obj if isinstance(obj, BaseModel) else dict(obj))
                problems = state.run.checker.problems(spec, best)
            if not problems:
                break
            if reask >= self.settings.max_reasks:
                if best is None:
                    return DraftSection(
                        section_id=spec.id,
                        failed=f"the model's answer{where} still did not match the section's schema after "
                        f"{reask} re-asks: {problems[0]}",
                        usage=usage,
                        notes=notes,
                    )
                if parse_error is not None:
                    notes.append(f"the last re-ask{where} was malformed; kept the previous answer")
                break
            next_kwargs = handle_reask_kwargs(
                copy.deepcopy(kwargs), self.mode, completion, parse_error or ValueError(reask_text(problems))
            )
            estimate = _estimate(next_kwargs)
            if not state.budget.allows(estimate):
                msg = (f"token budget: re-asks stopped{where} because the report's token budget "
                       f"({state.budget.limit} tokens) was spent; {len(problems)} problem(s) left as flags")
                if best is None:
                    return DraftSection(section_id=spec.id, failed=msg, usage=usage, notes=notes)
                notes.append(msg)
                break
            kwargs = next_kwargs
            reask += 1
        assert best is not None
        best.notes = [*notes, *best.notes]
        best.usage = usage
        return best

    # -- one call -----------------------------------------------------------------------------

    async def _call(
        self,
        state: _State,
        spec: SectionSpec,
        kwargs: dict[str, Any],
        schema: dict[str, Any],
        *,
        part: int,
        reask: int,
        reserved: int = 0,
    ) -> tuple[ChatCompletion, Usage]:
        """One chat completion: from the cache, or over HTTP with the client's transport retries.
        `reserved` tokens of the budget are released and replaced by what the call really used."""
        try:
            return await self._call_inner(state, spec, kwargs, schema, part=part, reask=reask)
        finally:
            state.budget.settle(reserved, 0)

    async def _call_inner(
        self, state: _State, spec: SectionSpec, kwargs: dict[str, Any], schema: dict[str, Any], *, part: int, reask: int
    ) -> tuple[ChatCompletion, Usage]:
        model = self.settings.model
        request = {k: v for k, v in kwargs.items() if k != "messages"}
        key = cache_key(
            model=model,
            mode=self.mode.value,
            request={"messages": kwargs["messages"], **request},
            schema=schema,
            sop_id=state.sop.id,
            sop_version=state.sop.version,
            source_hashes=state.source_hashes,
        )
        rec = CallRecord(
            run_id=state.run_id, section_id=spec.id, part=part, model=model, mode=self.mode.value,
            messages=kwargs["messages"], reask=reask, cache_key=key,
        )
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            completion = ChatCompletion.model_validate_json(cached)
            rec.cached, rec.response_raw, rec.attempts = True, cached, 0
            self.ledger.record(rec)
            return completion, Usage(cached_calls=1)
        async with state.sem:
            started = time.monotonic()
            try:
                raw = await state.client.chat.completions.with_raw_response.create(model=model, **kwargs)
                completion = raw.parse()
                rec.attempts = raw.retries_taken + 1
            except _FATAL as e:
                rec.error, rec.latency_s, rec.attempts = _short(e), time.monotonic() - started, 1
                self.ledger.record(rec)
                raise ExtractionError(self._fatal_message(e)) from None
            except (openai.APIConnectionError, openai.APIStatusError) as e:
                rec.latency_s = round(time.monotonic() - started, 4)
                retried = isinstance(e, openai.APIConnectionError) or e.status_code in (408, 409, 429) or (
                    e.status_code >= 500
                )
                rec.attempts = state.client.max_retries + 1 if retried else 1
                rec.error = f"{type(e).__name__}: {_short(e)}"
                self.ledger.record(rec)
                raise TransportError(self._transport_message(e, rec.attempts)) from None
        rec.latency_s = round(time.monotonic() - started, 4)
        rec.response_raw = completion.model_dump_json()
        u = completion.usage
        rec.input_tokens = u.prompt_tokens if u else 0
        rec.output_tokens = u.completion_tokens if u else 0
        rec.cost_usd = self._price.cost(rec.input_tokens, rec.output_tokens)
        state.budget.settle(0, rec.input_tokens + rec.output_tokens)
        self.ledger.record(rec)
        if self.cache is not None:
            self.cache.put(key, model, rec.response_raw)
        return completion, Usage(
            calls=1, input_tokens=rec.input_tokens, output_tokens=rec.output_tokens, cost_usd=rec.cost_usd
        )

    def _transport_message(self, e: Exception, attempts: int) -> str:
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if isinstance(e, openai.APITimeoutError):
            return (f"timed out {tries} (REPORTGEN_TIMEOUT={self.settings.timeout:g}s per attempt); "
                    "raise REPORTGEN_TIMEOUT or check the server")
        if isinstance(e, openai.APIConnectionError):
            return f"could not connect {tries} ({_short(e, 120)}); check OPENAI_BASE_URL and that the server is up"
        if isinstance(e, openai.RateLimitError):
            return f"rate limited (429) {tries}; lower REPORTGEN_MAX_CONCURRENCY or raise REPORTGEN_MAX_RETRIES"
        assert isinstance(e, openai.APIStatusError)
        return f"HTTP {e.status_code} {tries}: {_short(e, 160)}"

    def _fatal_message(self, e: Exception) -> str:
        if isinstance(e, openai.AuthenticationError):
            return "the LLM endpoint rejected the API key (401): check OPENAI_API_KEY."
        if isinstance(e, openai.PermissionDeniedError):
            return "the LLM endpoint refused access (403): check the API key's permissions for this model."
        return (f"the LLM endpoint does not know model {self.settings.model!r} (404): set REPORTGEN_MODEL to a "
                "model it serves, and OPENAI_BASE_URL to its /v1 URL.")
