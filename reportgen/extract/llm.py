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

Endpoints differ (reportgen.extract.endpoint): a refused request mode falls back along
json_schema -> tools -> json, a deterministic error is asked once, and a known context window
(asked of the server, configured, or said in a refusal) bounds what each call carries. Quotes
may cite a line by its id (reportgen.extract.citing).
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import openai
from instructor.processing.response import handle_reask_kwargs, process_response_async
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from reportgen.config import Settings
from reportgen.context import ContextChunk, plan_context
from reportgen.drafts import DraftSection
from reportgen.errors import ExtractionError, TransportError
from reportgen.events import Event, Stage
from reportgen.extract.base import Run
from reportgen.extract.budget import TokenBudget
from reportgen.extract.cache import cache_key
from reportgen.extract.citing import resolve_draft
from reportgen.extract.endpoint import Refusal, classify, discover_window, mark_deterministic, source_budget
from reportgen.extract.parts import merge_parts
from reportgen.extract.prompts import build_messages, reask_text
from reportgen.extract.requests import MODES, estimate_messages, prepare, request_tokens, schema_of
from reportgen.ledger import CallLog, CallRecord, ResponseCache, SqliteCallLog, SqliteResponseCache
from reportgen.models import Document, Usage, new_id
from reportgen.sop import SOP, SectionSpec
from reportgen.sopschema import draft_from_response, section_model

# Errors of the whole configuration, not of one section: every call would fail the same way.
_FATAL = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)
# A refusal kept in the response cache (the endpoint gives the same one to the same request), so a
# re-run falls back, or re-plans for the window, without asking again.
_REFUSAL_KEY = "reportgen_refusal"
MIN_SOURCE_TOKENS = 200  # below this a call cannot carry a useful part of the sources
TIGHT_SOURCE_TOKENS = 1000  # below this, room for re-asks is not kept in the window
PROGRESS_EVERY = 20.0  # seconds between "still waiting" events while a call runs
DEFAULT_OUTPUT_TOKENS = 1024  # max_tokens (at most window/8) with a known window and no REPORTGEN_MAX_OUTPUT_TOKENS


class _Refused(Exception):
    """The endpoint refused a request deterministically (see reportgen.extract.endpoint); `skipped`: not
    sent at all, because another section's call learned the refusal while this one waited its turn."""

    def __init__(self, refusal: Refusal, *, cached: bool = False, skipped: bool = False) -> None:
        super().__init__(refusal.detail)
        self.refusal = refusal
        self.cached = cached
        self.skipped = skipped


class _WindowExceeded(Exception):
    """A part's prompt did not fit the endpoint's context window; the section is planned again."""

    def __init__(self, window: int | None) -> None:
        super().__init__(f"context window exceeded ({window or 'size not given'})")
        self.window = window


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
    window: int | None = None  # the model's context window in tokens, when known
    source_cap: int | None = None  # source tokens per call, lowered after a refusal that gave no window
    quotes: Counter[str] = field(default_factory=Counter)  # how each final quote was resolved (citing.py)
    modes: Counter[str] = field(default_factory=Counter)  # calls answered, per mode

    @property
    def sop(self) -> SOP:
        return self.run.sop

    @property
    def documents(self) -> list[Document]:
        return self.run.documents


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "..."


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
        self.settings = (settings or Settings.from_env()).for_endpoint()
        self.model: str | None = self.settings.model
        self.modes: list[str] = list(self.settings.mode_chain())
        self.mode = MODES[self.modes[0]]
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
        # What this endpoint refused, kept for the extractor's lifetime: mode -> the server's reason.
        self.refused: dict[str, str] = {}
        self._window: int | None = self.settings.context_window
        self._window_asked = self._window is not None or not self.settings.openai_base_url
        # Measurements of the last run (calls answered per mode; how quotes were resolved, citing.py).
        self.last_modes: Counter[str] = Counter()
        self.last_quotes: Counter[str] = Counter()
        self.progress_every = PROGRESS_EVERY
        # How quotes are asked for (prompts.QUOTE_RULES): by line id and words, or words alone (for comparison).
        self.cite = "id"

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
        self.last_modes, self.last_quotes = state.modes, state.quotes
        tasks: list[asyncio.Future[DraftSection]] = []
        try:
            if not self._window_asked:  # once per extractor: the server's answer does not change
                self._window_asked = True
                self._window = await discover_window(state.client, self.settings.model)
            state.window = self._window
            tasks = [asyncio.ensure_future(self._section(state, spec)) for spec in run.sections]
            for finished in asyncio.as_completed(tasks):
                yield await finished  # a configuration error (ExtractionError) ends the run here
        finally:  # on an error, or a caller that stopped reading: no section keeps running
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.client is None:
                await state.client.close()
            self._note_modes(state)
            self._window = state.window  # a window learned from a refusal holds for the next run too

    def _make_client(self) -> openai.AsyncOpenAI:
        s = self.settings
        # A plain-http endpoint (a local server) needs no CA bundle; loading one costs ~60 ms per client.
        plain = (s.openai_base_url or "").startswith("http://")
        # The hook turns a validation error sent as a 5xx into "do not retry" before the client decides.
        hooks = {"response": [mark_deterministic]}
        http = (openai.DefaultAsyncHttpxClient(event_hooks=hooks, verify=False) if plain
                else openai.DefaultAsyncHttpxClient(event_hooks=hooks))
        return openai.AsyncOpenAI(
            api_key=s.openai_api_key.get_secret_value() if s.openai_api_key else "not-needed",
            base_url=s.openai_base_url,
            timeout=s.request_timeout,
            max_retries=s.max_retries,
            http_client=http,
        )

    def _note_modes(self, state: _State) -> None:
        for mode, why in self.refused.items():
            used = ", ".join(m for m in state.modes) or "none"
            note = f"the endpoint refused {mode} mode ({why}); the report was made in {used} mode"
            if note not in self.notes:
                self.notes.append(note)
        if state.window is not None and state.window != self.settings.context_window and state.window != self._window:
            self.notes.append(
                f"the endpoint's context window is {state.window} tokens (said in its refusal); the sources were "
                f"planned again to fit. Set REPORTGEN_CONTEXT_WINDOW={state.window} to plan for it from the start."
            )

    # -- requests ---------------------------------------------------------------------------

    def _mode(self) -> str | None:
        """The first mode of the chain this endpoint has not refused."""
        return next((m for m in self.modes if m not in self.refused), None)

    def _output_tokens(self, state: _State) -> int | None:
        """max_tokens for each call: configured, else a share of a known window, else none sent."""
        if self.settings.max_output_tokens:
            return self.settings.max_output_tokens
        return min(DEFAULT_OUTPUT_TOKENS, state.window // 8) if state.window else None

    def _request(
        self, state: _State, model_cls: type[BaseModel], mode: str, messages: list[dict[str, str]]
    ) -> tuple[Any, dict[str, Any]]:
        response_model, kwargs = prepare(model_cls, MODES[mode], messages)
        out = self._output_tokens(state)
        if out:
            kwargs["max_tokens"] = out
        return response_model, kwargs

    def _source_budget(self, state: _State, spec: SectionSpec, messages: list[dict[str, str]]) -> int:
        """Source tokens per call: REPORTGEN_CONTEXT_TOKENS, and within the context window when it is known.

        The prompt around the sources is measured in every mode of the chain and the largest taken, so
        the plan (and so the cache key) does not depend on which mode the endpoint turns out to accept."""
        budget = self.settings.context_tokens
        if state.source_cap is not None:
            budget = min(budget, state.source_cap)
        if state.window is None:
            return budget
        model_cls = section_model(spec)
        overhead = max(request_tokens(prepare(model_cls, MODES[m], messages)[1]) for m in self.modes)
        out = self._output_tokens(state) or 0
        fit = source_budget(state.window, overhead, out, self.settings.max_reasks)
        if fit < TIGHT_SOURCE_TOKENS:  # a small window: plan for the first ask; a re-ask that does not fit
            fit = max(fit, source_budget(state.window, overhead, out, 0))  # is refused, and the answer kept
        return min(budget, fit)

    # -- one section ------------------------------------------------------------------------

    async def _section(self, state: _State, spec: SectionSpec) -> DraftSection:
        started = time.monotonic()
        for attempt in range(3):
            frame = build_messages(state.sop, spec, [], meeting_date=self._meeting_date(state), cite=self.cite)
            budget = self._source_budget(state, spec, frame)
            if budget < MIN_SOURCE_TOKENS:
                return DraftSection(section_id=spec.id, failed=(
                    f"the model's context window ({state.window} tokens) leaves no room for the sources after the "
                    "prompt and the answer; use a model with a larger window (REPORTGEN_CONTEXT_WINDOW) or lower "
                    "REPORTGEN_MAX_OUTPUT_TOKENS"))
            plan = plan_context(spec, state.run.corpus, budget)
            n = len(plan.parts)
            selected = plan.strategy == "bm25"
            results = await asyncio.gather(
                *(self._part(state, spec, chunks, i, n, selected=selected) for i, chunks in enumerate(plan.parts)),
                return_exceptions=True,
            )
            exceeded = [r for r in results if isinstance(r, _WindowExceeded)]
            for r in results:
                if isinstance(r, BaseException) and not isinstance(r, _WindowExceeded):
                    raise r
            if not exceeded or attempt == 2:
                break
            said = [e.window for e in exceeded if e.window]
            if said and (state.window is None or min(said) < state.window):
                state.window = min(said)
            else:  # no size given, or the one we planned for: send less
                state.source_cap = max(MIN_SOURCE_TOKENS, int(budget * 0.6))
        drafts = [r if isinstance(r, DraftSection) else DraftSection(
            section_id=spec.id, failed="the sources did not fit the model's context window even after splitting")
            for r in results]
        draft = merge_parts(spec, drafts) if n > 1 else drafts[0]
        draft.notes = [*plan.notes, *draft.notes]
        draft.usage = draft.usage.model_copy(update={"seconds": round(time.monotonic() - started, 3)})
        draft.progress = {"calls": draft.usage.calls, "cached_calls": draft.usage.cached_calls,
                          "parts": n, "strategy": plan.strategy}
        return draft

    @staticmethod
    def _meeting_date(state: _State) -> str | None:
        dates = [str(d.meta["date"]) for d in state.documents if d.meta.get("date")]
        return dates[0] if dates else (state.run.meeting_date.isoformat() if state.run.meeting_date else None)

    async def _part(
        self, state: _State, spec: SectionSpec, chunks: list[ContextChunk], index: int, parts: int, *, selected: bool
    ) -> DraftSection:
        """One conversation: the first ask (in each mode until one is accepted) and up to max_reasks corrections."""
        usage = Usage()
        notes: list[str] = []
        where = f" (part {index + 1} of {parts})" if parts > 1 else ""
        messages = build_messages(state.sop, spec, chunks, part=index + 1, parts=parts, selected=selected,
                                  meeting_date=self._meeting_date(state), cite=self.cite)
        model_cls = section_model(spec)
        schema = schema_of(model_cls)
        mode = self._mode()
        if mode is None:
            return DraftSection(section_id=spec.id, failed=self._no_mode_message())
        response_model, kwargs = self._request(state, model_cls, mode, messages)
        estimate = estimate_messages(kwargs)
        if index > 0 and not state.budget.allows(estimate):
            segs = sum(len(c.segment_ids) for c in chunks)
            return DraftSection(
                section_id=spec.id,
                notes=[f"token budget: part {index + 1} of {parts} of the sources ({segs} segments) was not read "
                       f"because the report's token budget ({state.budget.limit}) was spent. Raise "
                       "REPORTGEN_TOKEN_BUDGET to read it."],
            )
        best: DraftSection | None = None
        resolved: Counter[str] = Counter()
        reask = 0
        while True:
            try:
                completion, call_usage = await self._call(
                    state, spec, kwargs, schema, mode, part=index, reask=reask, reserved=state.budget.reserve(estimate)
                )
            except _Refused as e:
                if not e.skipped:
                    usage = usage.add(Usage(cached_calls=1) if e.cached else Usage(calls=1))
                r = e.refusal
                if best is None and r.kind == "mode" and reask == 0:
                    self.refused.setdefault(mode, f"HTTP {r.status}: {r.detail}")
                    next_mode = self._mode()
                    if next_mode is None:
                        return DraftSection(section_id=spec.id, failed=self._no_mode_message(), usage=usage)
                    mode = next_mode
                    response_model, kwargs = self._request(state, model_cls, mode, messages)
                    estimate = estimate_messages(kwargs)
                    continue
                if best is None and r.kind == "context":
                    raise _WindowExceeded(r.window) from None
                reason = (f"the LLM endpoint refused the request{where} with HTTP {r.status} (not retried: the same "
                          f"request gets the same answer): {r.detail}")
                if best is not None:
                    best.notes.append(reason + "; kept the previous answer")
                    break
                return DraftSection(section_id=spec.id, failed=reason, usage=usage, notes=notes)
            except TransportError as e:
                usage = usage.add(Usage(calls=1))
                reason = f"the LLM endpoint did not answer{where}: {e}"
                if best is not None:  # a re-ask failed in transport: keep the last parsed answer
                    best.notes.append(reason + "; kept the previous answer")
                    break
                return DraftSection(section_id=spec.id, failed=reason, usage=usage, notes=notes)
            usage = usage.add(call_usage)
            state.modes[mode] += 1
            problems: list[str]
            try:
                obj = await process_response_async(completion, response_model=response_model, mode=MODES[mode])
            except Exception as e:  # instructor raises pydantic/JSON/its own errors for an unusable answer
                problems = [self._parse_problem(completion, e, kwargs)]
                parse_error: Exception | None = e
            else:
                parse_error = None
                best = draft_from_response(spec, obj if isinstance(obj, BaseModel) else dict(obj))
                resolved = resolve_draft(best, state.run.corpus)
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
            why = parse_error or ValueError(reask_text(problems, self.cite))
            next_kwargs = handle_reask_kwargs(copy.deepcopy(kwargs), MODES[mode], completion, why)
            estimate = estimate_messages(next_kwargs)
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
        state.quotes.update(resolved)
        best.notes = [*notes, *best.notes]
        best.usage = usage
        return best

    @staticmethod
    def _parse_problem(completion: ChatCompletion, e: Exception, kwargs: dict[str, Any]) -> str:
        if completion.choices and completion.choices[0].finish_reason == "length":
            return (f"the answer was cut off at the answer limit (max_tokens={kwargs.get('max_tokens', '?')}): "
                    "return fewer items, with shorter quotes")
        return f"the answer does not match the schema: {_short(e)}"

    def _no_mode_message(self) -> str:
        why = "; ".join(f"{m}: {r}" for m, r in self.refused.items())
        return (f"the LLM endpoint refused every request mode tried ({why}). Check that the server supports "
                "tools or response_format, or set REPORTGEN_LLM_MODE / REPORTGEN_ENDPOINTS.")

    # -- one call -----------------------------------------------------------------------------

    async def _call(
        self,
        state: _State,
        spec: SectionSpec,
        kwargs: dict[str, Any],
        schema: dict[str, Any],
        mode: str,
        *,
        part: int,
        reask: int,
        reserved: int = 0,
    ) -> tuple[ChatCompletion, Usage]:
        """One chat completion: from the cache, or over HTTP with the client's transport retries.
        `reserved` tokens of the budget are released and replaced by what the call really used."""
        try:
            return await self._call_inner(state, spec, kwargs, schema, mode, part=part, reask=reask)
        finally:
            state.budget.settle(reserved, 0)

    async def _call_inner(
        self, state: _State, spec: SectionSpec, kwargs: dict[str, Any], schema: dict[str, Any], mode: str, *,
        part: int, reask: int,
    ) -> tuple[ChatCompletion, Usage]:
        model = self.settings.model
        request = {k: v for k, v in kwargs.items() if k != "messages"}
        key = cache_key(
            model=model,
            mode=MODES[mode].value,
            request={"messages": kwargs["messages"], **request},
            schema=schema,
            sop_id=state.sop.id,
            sop_version=state.sop.version,
            source_hashes=state.source_hashes,
        )
        rec = CallRecord(
            run_id=state.run_id, section_id=spec.id, part=part, model=model, mode=MODES[mode].value,
            messages=kwargs["messages"], reask=reask, cache_key=key,
        )
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            rec.cached, rec.response_raw, rec.attempts = True, cached, 0
            refusal = _cached_refusal(cached)
            if refusal is not None:
                rec.error = f"refused (cached): HTTP {refusal.status}: {refusal.detail}"
                self.ledger.record(rec)
                raise _Refused(refusal, cached=True)
            completion = ChatCompletion.model_validate_json(cached)
            self.ledger.record(rec)
            return completion, Usage(cached_calls=1)
        async with state.sem:
            if reask == 0 and mode in self.refused:  # learned while this call waited for a slot
                raise _Refused(Refusal("mode", self.refused[mode], 0), skipped=True)
            started = time.monotonic()
            beat = asyncio.ensure_future(self._heartbeat(state, spec, part, reask, started))
            try:
                raw = await state.client.chat.completions.with_raw_response.create(model=model, **kwargs)
                completion = raw.parse()
                rec.attempts = raw.retries_taken + 1
            except _FATAL as e:
                rec.error, rec.latency_s, rec.attempts = _short(e), time.monotonic() - started, 1
                self.ledger.record(rec)
                raise ExtractionError(self._fatal_message(e)) from None
            except openai.APIStatusError as e:
                rec.latency_s = round(time.monotonic() - started, 4)
                refusal = classify(e, mode)
                if refusal is not None:
                    rec.attempts = 1 if e.response.headers.get("x-should-retry") == "false" or e.status_code < 500 \
                        else state.client.max_retries + 1
                    rec.error = f"{type(e).__name__}: refused ({refusal.kind}): {refusal.detail}"
                    self.ledger.record(rec)
                    if self.cache is not None and refusal.kind in ("mode", "context"):
                        self.cache.put(key, model, json.dumps({_REFUSAL_KEY: {
                            "kind": refusal.kind, "detail": refusal.detail, "status": refusal.status,
                            "window": refusal.window}}))
                    raise _Refused(refusal) from None
                retried = e.status_code in (408, 409, 429) or e.status_code >= 500
                rec.attempts = state.client.max_retries + 1 if retried else 1
                rec.error = f"{type(e).__name__}: {_short(e)}"
                self.ledger.record(rec)
                raise TransportError(self._transport_message(e, rec.attempts)) from None
            except openai.APIConnectionError as e:
                rec.latency_s = round(time.monotonic() - started, 4)
                rec.attempts = state.client.max_retries + 1
                rec.error = f"{type(e).__name__}: {_short(e)}"
                self.ledger.record(rec)
                raise TransportError(self._transport_message(e, rec.attempts)) from None
            finally:
                beat.cancel()
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

    async def _heartbeat(self, state: _State, spec: SectionSpec, part: int, reask: int, started: float) -> None:
        """Progress while one call runs: a local CPU server takes minutes per section, and a page that
        says nothing for that long looks hung."""
        if state.run.on_event is None:
            return
        while True:
            await asyncio.sleep(self.progress_every)
            waited = round(time.monotonic() - started)
            what = f"re-ask {reask}" if reask else "first ask"
            where = f", part {part + 1}" if part else ""
            state.run.on_event(Event(
                stage=Stage.WORKING, section_id=spec.id,
                message=f"{spec.title}: waiting for the model ({what}{where}), {waited} s so far",
                data={"seconds": waited, "part": part, "reask": reask, "engine": self.name}))

    def _transport_message(self, e: Exception, attempts: int) -> str:
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if isinstance(e, openai.APITimeoutError):
            return (f"timed out {tries} (REPORTGEN_TIMEOUT={self.settings.request_timeout:g}s per attempt); "
                    "raise REPORTGEN_TIMEOUT or check the server")
        if isinstance(e, openai.APIConnectionError):
            return f"could not connect {tries} ({_short(e, 120)}); check OPENAI_BASE_URL and that the server is up"
        if isinstance(e, openai.RateLimitError):
            return f"rate limited (429) {tries}; lower REPORTGEN_MAX_CONCURRENCY or raise REPORTGEN_MAX_RETRIES"
        assert isinstance(e, openai.APIStatusError)
        return f"HTTP {e.status_code} {tries}: {_short(e, 300)}"

    def _fatal_message(self, e: Exception) -> str:
        if isinstance(e, openai.AuthenticationError):
            return "the LLM endpoint rejected the API key (401): check OPENAI_API_KEY."
        if isinstance(e, openai.PermissionDeniedError):
            return "the LLM endpoint refused access (403): check the API key's permissions for this model."
        return (f"the LLM endpoint does not know model {self.settings.model!r} (404): set REPORTGEN_MODEL to a "
                "model it serves, and OPENAI_BASE_URL to its /v1 URL.")


def _cached_refusal(cached: str) -> Refusal | None:
    if not cached.startswith('{"' + _REFUSAL_KEY):
        return None
    data = json.loads(cached)[_REFUSAL_KEY]
    return Refusal(data["kind"], data["detail"], int(data["status"]), data.get("window"))
