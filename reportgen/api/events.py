"""Progress as Server-Sent Events: the stream behind GET /v1/reports/{id}/events.

Events are rows of the events table, read every 0.3 s and sent as `id`/`event`/`data` blocks;
the SSE id is the row id, so a client resumes exactly after the last event it saw. The
`event` name is the stage, one of `reportgen.events.Stage`, which clients must know to listen
for (an EventSource delivers only the named events it subscribed to); the web page gets the
list from the server rather than a copy in JS.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import anyio
from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlmodel import select

from reportgen.api.schemas import ProgressEvent, ts
from reportgen.api.service import Service
from reportgen.events import Stage
from reportgen.store.reports import TERMINAL, events_after
from reportgen.store.tables import EventRow, Job

# Names written by earlier versions (still in existing databases) for today's stages.
OLD_NAMES = {"extract": Stage.EXTRACTED}
POLL_SECONDS = 0.3
KEEP_ALIVE_SECONDS = 15.0


class EventStreamResponse(StreamingResponse):
    """Our own SSE blocks, streamed as they are (`id:` first, `: keep-alive` comments), which existing
    clients parse. Not FastAPI's EventSourceResponse: as a route's response_class, that one makes
    FastAPI drive the endpoint as a generator and write the blocks itself."""

    media_type = "text/event-stream"


def stage_of(name: str | None) -> Stage | None:
    """The stage an event row names; None for a name no version ever emitted as a stage."""
    if name is None:
        return None
    if name in OLD_NAMES:
        return OLD_NAMES[name]
    try:
        return Stage(name)
    except ValueError:
        return None


def sse_block(ev: EventRow) -> str:
    stage = stage_of(ev.stage)
    name = stage.value if stage else ev.stage
    data = {"id": ev.id, "stage": name, "message": ev.message, "section_id": ev.section_id,
            "done": ev.done, "total": ev.total, "attempt": ev.attempt, "data": ev.data,
            "at": ts(ev.created_at).isoformat()}
    return f"id: {ev.id}\nevent: {name}\ndata: {json.dumps(data, default=str)}\n\n"


async def event_stream(service: Service, tenant_id: str, report_id: str, last: int,
                       request: Request) -> AsyncIterator[str]:
    def fetch(after: int) -> tuple[list[EventRow], str]:
        with service.db.session() as s:
            rows = events_after(s, tenant_id, report_id, after)
            state = s.exec(select(Job.state).where(Job.report_id == report_id)).one()
        return rows, state

    yield "retry: 2000\n\n"
    idle = 0.0
    while True:
        rows, state = await anyio.to_thread.run_sync(fetch, last)
        for ev in rows:
            last = ev.id or last
            yield sse_block(ev)
        if not rows and state in TERMINAL:
            yield f"event: end\ndata: {json.dumps({'state': state})}\n\n"
            return
        if await request.is_disconnected():
            return
        if rows:
            idle = 0.0
        else:
            idle += POLL_SECONDS
            if idle >= KEEP_ALIVE_SECONDS:
                idle = 0.0
                yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)


def openapi_responses(errors: dict[int, str]) -> dict[int | str, dict]:
    """The route's OpenAPI responses: the stream as FastAPI documents its own SSE routes (an OpenAPI 3.2
    `itemSchema` whose `data` is a ProgressEvent), and the errors, which are JSON, not events."""
    data = ProgressEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    data.pop("$defs", None)  # Stage: in the components already, through ReportStatus.progress
    item = {
        "type": "object",  # the stream's first block is only `retry:`, so no field is required
        "properties": {
            "id": {"type": "string", "description": "The event id; send it back as Last-Event-ID to resume."},
            "event": {"type": "string", "enum": [*(s.value for s in Stage), "end"]},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
            "retry": {"type": "integer", "minimum": 0},
        },
    }
    stream = {
        "description": "One event per progress row, named by its stage, then `end` with `{\"state\": ...}`; "
                       "`: keep-alive` comments while idle.",
        "content": {"text/event-stream": {"schema": {"type": "string"}, "itemSchema": item}},
    }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    return {200: stream, **{code: {"description": text, **error} for code, text in errors.items()}}
