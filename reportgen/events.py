"""Progress events: what a run reports while it works, to the CLI, the SSE stream and the page.

Stages are a closed set (`Stage`): both engines, the pipeline and the job runner emit only these,
the API documents them, and the web page receives the list from the server instead of keeping its
own copy. Events carry progress, never data the next stage needs: a finished section reaches the
pipeline as a value, not through an event.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Stage(StrEnum):
    QUEUED = "queued"  # the job waits for a worker (shown by the API, never stored)
    STARTED = "started"  # a worker took the job (one per attempt)
    PARSED = "parsed"  # the sources are Documents
    EXTRACTED = "extracted"  # one section came back from the engine (done of total)
    SECTION = "section"  # that section, grounded and checked: a live preview
    WORKING = "working"  # a slow call is still running (the llm engine says so every 20 s on a local server)
    VALIDATED = "validated"  # the whole report was checked
    FINISHED = "finished"  # the report is stored and its files can be downloaded
    RETRY = "retry"  # an attempt failed and the job will run again
    FAILED = "failed"  # the job failed for good; the message says why


class Event(BaseModel):
    """A progress event: parsed, section k of N extracted, validated, finished."""

    stage: Stage
    message: str
    section_id: str | None = None
    done: int | None = None
    total: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


OnEvent = Callable[[Event], None]
