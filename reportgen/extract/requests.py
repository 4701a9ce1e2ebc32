"""instructor's request for each mode, prepared once per response model, and what it costs in tokens.

Preparing a request generates the section's JSON schema (milliseconds per call), and it depends only
on the model class and the system message (JSON mode writes the schema into that), so it is cached.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import instructor
from instructor.processing.response import handle_response_model
from pydantic import BaseModel

MODES = {"tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA, "json": instructor.Mode.JSON}


@functools.lru_cache(maxsize=256)
def schema_of(model_cls: type[BaseModel]) -> dict[str, Any]:
    return model_cls.model_json_schema()


@functools.lru_cache(maxsize=256)
def _prepared(model_cls: type[BaseModel], mode: instructor.Mode, system: str) -> tuple[Any, dict[str, Any]]:
    return handle_response_model(model_cls, mode=mode, messages=[{"role": "system", "content": system}])


def prepare(model_cls: type[BaseModel], mode: instructor.Mode, messages: list[dict[str, str]]) -> tuple[Any, dict]:
    """instructor's request for `mode`. Preparing it generates the JSON schema (milliseconds per
    call), and it depends only on the model and the system message (JSON mode writes the schema
    into that), so it is computed once per pair and the user message appended."""
    if not messages or messages[0]["role"] != "system":
        return handle_response_model(model_cls, mode=mode, messages=messages)
    response_model, base = _prepared(model_cls, mode, messages[0]["content"])
    base = copy.deepcopy(base)
    base["messages"] = base["messages"] + list(messages[1:])
    return response_model, base


def estimate_messages(kwargs: dict[str, Any]) -> int:
    return len(json.dumps(kwargs.get("messages", []), ensure_ascii=False)) // 4


def request_tokens(kwargs: dict[str, Any]) -> int:
    """Estimated prompt tokens of a request: messages plus the schema sent as tools or response_format."""
    return len(json.dumps({k: v for k, v in kwargs.items() if k != "max_tokens"}, ensure_ascii=False)) // 4
