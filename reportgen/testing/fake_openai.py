"""An OpenAI-compatible chat-completions server on 127.0.0.1 for tests and benchmarks.

Tests drive the real `openai` client over real HTTP against it, so transport retries,
Retry-After, timeouts and instructor's request shapes are all exercised for real. It
answers either from a script or by *filling the requested JSON schema* with sentences
copied from the sources in the prompt (so the quotes ground), and it can misbehave on
purpose: 429 with Retry-After, 500, hanging past the client timeout, malformed JSON,
wrong types, invented quotes, quotes with their line tags copied in (or the tag alone, as
small models write them), llama.cpp's 500 for a json_schema response_format, a 400 for tool
calls, a context window with its context_length_exceeded refusal, and obeying an instruction
injected into a source unless the prompt fences sources off as data (the answers are made in
reportgen.testing.fake_answers).

    with serve_fake_openai(latency=0.3, faults=[Fault("rate_limit", at=[0])]) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="test")

`serve_fake_openai` yields the `FakeOpenAI` (its `base_url` and `str()` are the URL ending
in /v1); `server.log` records every request for assertions.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reportgen.procs import stop
from reportgen.testing.fake_answers import fill_schema, injection_obeyed, message_text, source_tags, tag_quotes

FaultKind = Literal[
    "rate_limit",  # 429 with Retry-After
    "server_error",  # 500
    "unauthorized",  # 401, as for a wrong API key
    "timeout",  # hang for `hang` seconds (past the client's timeout), then answer
    "malformed",  # invalid JSON in the arguments/content
    "wrong_types",  # valid JSON that does not fit the schema
    "invented_quote",  # a quote that is not in the sources, on first asks only (a re-ask fixes it)
    "invented_quote_always",  # the same, on re-asks too (never fixed)
    "tagged_quote",  # each quote with its line tag copied in front: "[D1:S2 00:14 Jason] I'll send ..."
    "tag_only_quote",  # each quote replaced by its line tag alone: "D1:S2 00:14"
    "schema_refused",  # llama-cpp-python's answer to response_format json_schema: 500, a validation error
    "tools_refused",  # a server without tool calling (vLLM without --enable-auto-tool-choice): 400
]

CONTENT_FAULTS = frozenset({"malformed", "wrong_types", "invented_quote", "invented_quote_always", "tagged_quote",
                            "tag_only_quote"})
# The body llama-cpp-python 0.3 sends for a json_schema response_format (FastAPI's RequestValidationError
# caught by its route handler and wrapped as a 500).
SCHEMA_REFUSAL = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}"
)
TOOLS_REFUSAL = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'

INVENTED_QUOTE = "The board approved a forty million dollar acquisition of Globex Corporation on Tuesday."

@dataclass
class Fault:
    """A fault applied to requests chosen by `at` (0-based request indices, transport retries
    included), else with probability `p` (seeded), else to every request; and, when `match`
    is set, only to requests whose messages contain that text (e.g. one section's title)."""

    kind: FaultKind
    at: list[int] | None = None
    p: float = 0.0
    retry_after: float = 1.0  # seconds, for rate_limit
    hang: float = 5.0  # seconds, for timeout
    match: str | None = None

    def applies(self, index: int, rng: random.Random, body: dict[str, Any] | None = None) -> bool:
        if self.match is not None:
            text = "\n".join(message_text(m.get("content")) for m in (body or {}).get("messages", []))
            if self.match not in text:
                return False
        if self.at is not None:
            return index in self.at
        if self.p > 0:
            return rng.random() < self.p
        return True


@dataclass
class LoggedRequest:
    index: int
    body: dict[str, Any]
    headers: dict[str, str]
    started: float
    finished: float = 0.0
    status: int = 200
    fault: str | None = None
    reask: bool = False
    response: dict[str, Any] | None = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def mode(self) -> str:
        return _request_mode(self.body)


Script = Callable[[dict[str, Any]], Any] | list[Any]


@dataclass
class FakeOpenAI:
    """The server's state; answers are computed in `respond` (also usable without HTTP)."""

    script: Script | None = None
    latency: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    seed: int = 0
    base_url: str = ""
    log: list[LoggedRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    # A served context window: longer prompts get llama-cpp-python's 400 context_length_exceeded, and
    # /props says it (llama.cpp server) when `window_in_props` is set.
    context_window: int | None = None
    window_in_props: bool = False

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._script_pos = 0

    def __str__(self) -> str:
        return self.base_url

    # -- bookkeeping -----------------------------------------------------------------------

    @property
    def calls(self) -> int:
        return len(self.log)

    def reset(self) -> None:
        with self._lock:
            self.log.clear()
            self.max_in_flight = 0
            self._script_pos = 0

    # -- HTTP ----------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": {"message": "request body is not JSON", "type": "invalid_request"}}, 400)
        with self._lock:
            entry = LoggedRequest(
                index=len(self.log),
                body=body,
                headers={k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"},
                started=time.monotonic(),
                reask=any(m.get("role") in ("assistant", "tool") for m in body.get("messages", [])),
            )
            self.log.append(entry)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            active = [f for f in self.faults if f.applies(entry.index, self._rng, body)]
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            for f in active:
                if f.kind == "rate_limit":
                    entry.status, entry.fault = 429, f.kind
                    return JSONResponse(
                        {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded", "code": None}},
                        429,
                        headers={"retry-after": f"{f.retry_after:g}"},
                    )
                if f.kind == "server_error":
                    entry.status, entry.fault = 500, f.kind
                    return JSONResponse({"error": {"message": "The server had an error", "type": "server_error"}}, 500)
                if f.kind == "unauthorized":
                    entry.status, entry.fault = 401, f.kind
                    return JSONResponse(
                        {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                   "code": "invalid_api_key"}}, 401)
                if f.kind == "timeout":
                    entry.fault = f.kind
                    await asyncio.sleep(f.hang)
                if f.kind == "schema_refused" and _request_mode(body) == "json_schema":
                    entry.status, entry.fault = 500, f.kind
                    return JSONResponse({"error": {"message": SCHEMA_REFUSAL, "type": "internal_server_error",
                                                   "param": None, "code": None}}, 500)
                if f.kind == "tools_refused" and _request_mode(body) == "tools":
                    entry.status, entry.fault = 400, f.kind
                    return JSONResponse({"object": "error", "message": TOOLS_REFUSAL, "type": "BadRequestError",
                                         "param": None, "code": 400}, 400)
            if self.context_window is not None:
                prompt = _tokens(json.dumps(body.get("messages", [])) + json.dumps(
                    body.get("tools") or body.get("response_format") or ""))
                wanted = prompt + int(body.get("max_tokens") or 0)
                if wanted > self.context_window:
                    entry.status, entry.fault = 400, "context_length_exceeded"
                    return JSONResponse({"error": {
                        "message": f"This model's maximum context length is {self.context_window} tokens. However, "
                                   f"you requested {wanted} tokens ({prompt} in the messages, "
                                   f"{body.get('max_tokens')} in the completion). Please reduce the length of the "
                                   "messages or completion.",
                        "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}, 400)
            content_faults = [f.kind for f in active if f.kind in CONTENT_FAULTS]
            entry.fault = entry.fault or (content_faults[0] if content_faults else None)
            payload = self.respond(body, content_faults, reask=entry.reask)
            entry.response = payload
            return JSONResponse(payload)
        finally:
            entry.finished = time.monotonic()
            with self._lock:
                self.in_flight -= 1

    # -- answers -------------------------------------------------------------------------------

    def respond(self, body: dict[str, Any], content_faults: Sequence[str], *, reask: bool = False) -> dict[str, Any]:
        """A chat.completion for `body`: scripted, else schema-filling, then content faults."""
        mode = _request_mode(body)
        messages = body.get("messages", [])
        schema = _request_schema(body, mode)
        answer = self._scripted(body)
        if answer is None:
            answer = fill_schema(schema, messages, forced=injection_obeyed(messages))
            if "invented_quote_always" in content_faults or ("invented_quote" in content_faults and not reask):
                items = answer.get("items") if isinstance(answer, dict) else None
                if isinstance(items, list) and items and isinstance(items[0], dict):
                    items[0]["quotes"] = [*items[0].get("quotes", []), INVENTED_QUOTE]
        if "tagged_quote" in content_faults or "tag_only_quote" in content_faults:
            tag_quotes(answer, source_tags(messages), only="tag_only_quote" in content_faults)
        if "wrong_types" in content_faults:
            answer = {"items": "three things were discussed", "notes": 42}
        text = answer if isinstance(answer, str) else json.dumps(answer)
        if "malformed" in content_faults:
            text = text[: max(1, len(text) // 2)] + ' "unterminated'
        return _completion(body, mode, text, messages)

    def _scripted(self, body: dict[str, Any]) -> Any:
        if self.script is None:
            return None
        if callable(self.script):
            return self.script(body)
        with self._lock:
            if self._script_pos >= len(self.script):
                return None
            answer = self.script[self._script_pos]
            self._script_pos += 1
        return answer


def _request_mode(body: dict[str, Any]) -> str:
    if body.get("tools"):
        return "tools"
    fmt = (body.get("response_format") or {}).get("type")
    if fmt == "json_schema":
        return "json_schema"
    if fmt == "json_object":
        return "json"
    return "text"


def _request_schema(body: dict[str, Any], mode: str) -> dict[str, Any]:
    if mode == "tools":
        return body["tools"][0]["function"].get("parameters") or {}
    if mode == "json_schema":
        return body["response_format"]["json_schema"].get("schema") or {}
    # JSON mode: instructor puts the schema in the system prompt; take the first JSON object after "json_schema".
    for m in body.get("messages", []):
        content = m.get("content")
        if isinstance(content, str) and "json_schema" in content:
            start = content.find("{", content.find("json_schema"))
            if start >= 0:
                try:
                    obj, _ = json.JSONDecoder().raw_decode(content[start:])
                    return obj
                except ValueError:
                    pass
    return {}


def _tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


def _completion(body: dict[str, Any], mode: str, text: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    prompt = json.dumps(messages) + json.dumps(body.get("tools") or body.get("response_format") or "")
    usage = {"prompt_tokens": _tokens(prompt), "completion_tokens": _tokens(text)}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    if mode == "tools":
        name = body["tools"][0]["function"]["name"]
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": f"call_{time.monotonic_ns()}", "type": "function",
                            "function": {"name": name, "arguments": text}}],
        }
        finish = "tool_calls"
    else:
        message, finish = {"role": "assistant", "content": text}, "stop"
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage,
    }


def create_app(server: FakeOpenAI) -> Starlette:
    async def models(_: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "reportgen"}]})

    async def stats(_: Request) -> Response:
        return JSONResponse({"calls": server.calls, "max_in_flight": server.max_in_flight})

    async def props(_: Request) -> Response:
        if server.context_window is None or not server.window_in_props:
            return JSONResponse({"error": {"message": "Not Found", "type": "not_found_error"}}, 404)
        return JSONResponse({"default_generation_settings": {"n_ctx": server.context_window}, "total_slots": 1})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", server.handle, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/_fake/stats", stats, methods=["GET"]),
            Route("/props", props, methods=["GET"]),
        ]
    )


@contextmanager
def serve_fake_openai(
    script: Script | None = None,
    latency: float = 0.0,
    faults: list[Fault] | None = None,
    seed: int = 0,
    context_window: int | None = None,
    window_in_props: bool = False,
) -> Iterator[FakeOpenAI]:
    """Run a FakeOpenAI on 127.0.0.1 (a free port) in a background thread for the `with` block."""
    state = FakeOpenAI(script=script, latency=latency, faults=list(faults or []), seed=seed,
                       context_window=context_window, window_in_props=window_in_props)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(state), log_level="warning", lifespan="off", timeout_graceful_shutdown=1, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake OpenAI server did not start")
        time.sleep(0.005)
    state.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


@dataclass
class FakeOpenAIProcess:
    """Handle on a fake server running in a child process (see `serve_fake_openai_process`)."""

    base_url: str

    def __str__(self) -> str:
        return self.base_url

    def stats(self) -> dict[str, int]:
        import httpx

        return httpx.get(self.base_url.removesuffix("/v1") + "/_fake/stats", timeout=5).json()


@contextmanager
def serve_fake_openai_process(latency: float = 0.0, seed: int = 0) -> Iterator[FakeOpenAIProcess]:
    """The schema-filling server in its own process, as a real endpoint would be: benchmarks use
    it so the server's CPU does not compete with the engine's for this process's GIL."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", "from reportgen.testing.fake_openai import main; main()",
         "--latency", str(latency), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the fake OpenAI server process did not start (said {line!r})")
        yield FakeOpenAIProcess(base_url=line)
    finally:
        stop(proc, timeout=5)


def main() -> None:
    """Serve until killed, printing the base URL first: `python -c "from reportgen.testing.fake_openai
    import main; main()" --latency 0.3 --fault invented_quote`, then OPENAI_BASE_URL=<that URL>."""
    import argparse
    import signal

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fault", action="append", default=[], metavar="KIND[@P]",
                    help="inject a fault into every request, or with probability P (repeatable), e.g. server_error@0.3")
    args = ap.parse_args()
    faults = []
    for spec in args.fault:
        kind, _, p = spec.partition("@")
        if kind not in get_args(FaultKind):
            ap.error(f"unknown fault {kind!r}; choose from {', '.join(get_args(FaultKind))}")
        faults.append(Fault(cast(FaultKind, kind), p=float(p) if p else 0.0))  # checked just above
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serve_fake_openai(latency=args.latency, seed=args.seed, faults=faults) as server:
        print(server.base_url, flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
