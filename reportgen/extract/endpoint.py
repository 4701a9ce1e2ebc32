"""What an OpenAI-compatible endpoint can do, learned from its answers instead of assumed.

OpenAI, vLLM, Ollama and llama.cpp each accept a different part of the chat-completions API.
llama.cpp's Python server, for one, answers a `response_format` of type `json_schema` with
HTTP 500 and a request-validation error, and the openai client would retry that five times
per call. So:

- a refusal of the request *shape* (response_format, tools) is recognised from the error body
  and the engine falls back along `MODE_CHAIN` (json_schema -> tools -> json);
- a deterministic error (a validation error, even one sent as a 5xx) gets `x-should-retry:
  false` added by a response hook before the client decides, so it is asked once, not five times;
- a context-length refusal says the window, which the engine then plans for;
- the window itself is read from the server where it says it (vLLM's /v1/models, llama.cpp's
  /props, LM Studio), or configured (REPORTGEN_CONTEXT_WINDOW, REPORTGEN_ENDPOINTS).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

import openai

MODE_CHAIN: tuple[str, ...] = ("json_schema", "tools", "json")

# The request fields each mode depends on; a validation error naming one of them is a refusal of the mode.
_MODE_FIELDS = {
    "json_schema": ("response_format", "json_schema", "json schema", "structured output"),
    "tools": ("tool", "function"),
    "json": ("response_format", "json_object", "json mode"),
}
# Words of a request-validation error: pydantic (FastAPI servers: llama-cpp-python, vLLM), and the
# plain phrasing of servers that say they do not support a parameter.
_VALIDATION_RE = re.compile(
    r"validation error|RequestValidationError|Input should be|literal_error|extra_forbidden|"
    r"not supported|unsupported|does not support|not implemented|unrecognized|invalid (?:type|value|schema)|"
    r"is not one of|Extra inputs are not permitted",
    re.IGNORECASE,
)
# "This model's maximum context length is 8192 tokens" (OpenAI, vLLM, llama-cpp-python),
# "exceed context window of 8192" (llama.cpp), "context size (4096)" (llama.cpp server).
_WINDOW_RES = (
    re.compile(r"maximum context length is (\d+)", re.IGNORECASE),
    re.compile(r"context window of (\d+)", re.IGNORECASE),
    re.compile(r"context (?:size|length)[^\d]{0,20}\((\d+)\)", re.IGNORECASE),
    re.compile(r"n_ctx[^\d]{0,8}(\d+)", re.IGNORECASE),
)
_CONTEXT_RE = re.compile(r"context[_ ]length[_ ]exceeded|maximum context length|exceeds? (?:the )?context",
                         re.IGNORECASE)
# Pydantic's repr of one error: {'type': ..., 'loc': ('body', 'response_format', 'type'), 'msg': "...", ...}
_PYDANTIC_ERR_RE = re.compile(r"""'loc':\s*\(([^)]*)\),\s*'msg':\s*(['"])(.*?)\2""")


RefusalKind = Literal["mode", "context", "invalid"]


@dataclass(frozen=True)
class Refusal:
    """An error the endpoint will give again for the same request: asking again cannot help."""

    kind: RefusalKind  # mode: the request shape is unsupported; context: too long; invalid: anything else
    detail: str  # the useful part of the server's message
    status: int
    window: int | None = None  # the context window, when the server said it


def error_text(e: openai.APIStatusError) -> str:
    """The server's own message: the error body's `message` (or the body), not the client's wrapper."""
    body = e.body
    if isinstance(body, dict):
        msg = body.get("message") or body.get("detail") or body.get("error")
        text = msg if isinstance(msg, str) else json.dumps(body, ensure_ascii=False, default=str)
    elif isinstance(body, str):
        text = body
    else:
        text = e.message
    return " ".join(str(text).split())


def useful_detail(text: str, limit: int = 400) -> str:
    """A validation error as `field.path: what it should be`, so a cut message keeps the field and the reason."""
    found = []
    for m in _PYDANTIC_ERR_RE.finditer(text):
        loc = [p.strip().strip("'\"") for p in m.group(1).split(",") if p.strip()]
        loc = [p for p in loc if p and p != "body"]
        found.append(f"{'.'.join(loc)}: {m.group(3)}")
    out = "; ".join(dict.fromkeys(found)) if found else text
    return out if len(out) <= limit else out[:limit] + "..."


def classify(e: openai.APIStatusError, mode: str) -> Refusal | None:
    """A deterministic refusal of this request, or None for an error that may pass (429, a plain 5xx)."""
    status = e.status_code
    text = error_text(e)
    if status in (408, 409, 429) or status in (401, 403, 404):
        return None  # transient, or the engine's configuration errors (handled by the caller)
    deterministic = status < 500 or bool(_VALIDATION_RE.search(text))
    if not deterministic:
        return None
    if _CONTEXT_RE.search(text):
        window = next((int(m.group(1)) for r in _WINDOW_RES if (m := r.search(text))), None)
        return Refusal("context", useful_detail(text), status, window)
    lowered = text.lower()
    if status in (400, 422, 500, 501) and any(f in lowered for f in _MODE_FIELDS.get(mode, ())):
        return Refusal("mode", useful_detail(text), status)
    return Refusal("invalid", useful_detail(text), status)


def deterministic_body(status: int, text: str) -> bool:
    """Whether a 5xx body is a validation error, which a retry would only repeat."""
    return status >= 500 and bool(_VALIDATION_RE.search(text)) and not _looks_overloaded(text)


def _looks_overloaded(text: str) -> bool:
    return bool(re.search(r"overload|try again|temporar|busy|out of memory|unavailable", text, re.IGNORECASE))


async def mark_deterministic(response: Any) -> None:
    """httpx response hook: a 5xx whose body is a validation error gets `x-should-retry: false`, which the
    openai client obeys before its own retry rule (5xx are otherwise retried up to max_retries times)."""
    if response.status_code < 500:
        return
    await response.aread()
    try:
        text = response.text
    except Exception:  # noqa: BLE001 - an undecodable body is not ours to judge
        return
    if deterministic_body(response.status_code, text):
        response.headers["x-should-retry"] = "false"


def fallback_chain(first: str, allowed: list[str] | None = None) -> list[str]:
    """The modes to try, in order, starting from the configured one (json_schema -> tools -> json)."""
    chain = list(MODE_CHAIN[MODE_CHAIN.index(first):]) if first in MODE_CHAIN else [first]
    if allowed:
        chain = [m for m in chain if m in allowed] or [first]
    return chain


# -- the context window, as servers say it --------------------------------------------------------

_MODEL_WINDOW_KEYS = ("max_model_len", "context_window", "context_length", "loaded_context_length",
                      "max_context_length", "n_ctx")


def window_from_models(data: Any, model: str) -> int | None:
    """The window from a /v1/models answer: vLLM's max_model_len, LM Studio's context lengths,
    llama.cpp's meta.n_ctx (the served one; n_ctx_train is only what the model was trained on)."""
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        return None
    mine = [m for m in entries if isinstance(m, dict) and m.get("id") == model]
    entry = mine[0] if mine else (entries[0] if len(entries) == 1 and isinstance(entries[0], dict) else None)
    if entry is None:
        return None
    meta = entry.get("meta")
    for source in (entry, meta if isinstance(meta, dict) else {}):
        for key in _MODEL_WINDOW_KEYS:
            v = source.get(key)
            if isinstance(v, int) and v > 0:
                return v
    return None


def window_from_props(data: Any) -> int | None:
    """llama.cpp server's /props: default_generation_settings.n_ctx (or n_ctx at the top)."""
    if not isinstance(data, dict):
        return None
    settings = data.get("default_generation_settings")
    for source in (settings if isinstance(settings, dict) else {}, data):
        v = source.get("n_ctx")
        if isinstance(v, int) and v > 0:
            return v
    return None


async def discover_window(client: openai.AsyncOpenAI, model: str, timeout: float = 10.0) -> int | None:
    """Ask the server for its context window; None when it does not say (or does not answer)."""
    quick = client.with_options(timeout=timeout, max_retries=0)
    try:
        raw = await quick.with_raw_response.models.list()
        window = window_from_models(json.loads(raw.http_response.text), model)
        if window:
            return window
    except (openai.OpenAIError, ValueError):
        pass
    root = str(client.base_url).rstrip("/")
    root = root[: -len("/v1")] if root.endswith("/v1") else root
    try:
        props = await quick.get(root + "/props", cast_to=object)
    except (openai.OpenAIError, ValueError):
        return None
    return window_from_props(props)


def source_budget(window: int, overhead: int, output_tokens: int, reasks: int) -> int:
    """Source tokens one call may carry in `window`: the rest of the prompt (`overhead`), the answer,
    and for a re-ask the previous answer and the problems found, with a margin because our count
    (chars/4 without tiktoken) and the server's tokenizer disagree by up to ~15%."""
    answer_room = output_tokens * (2 if reasks else 1) + (300 if reasks else 0)
    return int(window * 0.85) - overhead - answer_room
