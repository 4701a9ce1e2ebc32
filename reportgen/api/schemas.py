"""Request and response bodies of /v1, with the examples OpenAPI shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field

from reportgen.events import Stage
from reportgen.models import Segment
from reportgen.sop import FieldType, SectionKind

JobState = Literal["queued", "running", "succeeded", "failed"]
Engine = Literal["local", "llm"]
CitationStatus = Literal["exact", "normalized", "fuzzy", "unsupported"]


@overload
def ts(t: float) -> datetime: ...
@overload
def ts(t: None) -> None: ...
@overload
def ts(t: float | None) -> datetime | None: ...
def ts(t: float | None) -> datetime | None:
    return datetime.fromtimestamp(t, UTC) if t is not None else None


class ErrorDetail(BaseModel):
    code: str = Field(examples=["unsupported_format"])
    message: str = Field(examples=["deck.pptx: this is a PowerPoint presentation, which reportgen cannot read."])


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can fail with these statuses, each with the one error body."""
    return {status: {"model": ErrorBody} for status in statuses}


class DocumentOut(BaseModel):
    id: str = Field(examples=["doc_3f9a1c2b7d4e"])
    filename: str = Field(examples=["acme/contracts/msa.pdf"])
    kind: str = Field(examples=["pdf"])
    format: str = Field(examples=["pdf"])
    media_type: str
    sha256: str
    size: int
    pages: int | None = None
    segment_count: int
    chars: int
    created_at: datetime
    warnings: list[str] = Field(default_factory=list)
    media_url: str | None = Field(None, description="A transcript's audio or video (http/https), played by the "
                                  "report page from a citation's time.", examples=["https://media.example.com/call.mp3"])
    links: dict[str, str] = Field(default_factory=dict)


class DocumentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"media_url": "https://media.example.com/call.mp3"}, {"media_url": None}]
    })

    media_url: str | None = Field(description="http(s) URL of the transcript's recording, at most 2000 characters "
                                  "and without credentials; null removes it.")


class DocumentDetail(DocumentOut):
    text: str = Field(description="The whole text (empty with `text=false`); segment offsets index into it.")
    segments: list[Segment] = Field(description="One page of segments: `offset` to `offset + limit`.")
    offset: int = 0
    limit: int = 1000


class UploadOut(BaseModel):
    documents: list[DocumentOut]


class ReportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="Model name for the llm engine.", examples=["gpt-4o-mini"])
    meeting_date: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Resolves 'by Friday' etc.", examples=["2026-03-02"]
    )


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"sop": "diligence-memo", "document_ids": ["doc_3f9a1c2b7d4e"], "engine": "local"}]
    })

    sop: str = Field(min_length=1, max_length=200, description="An SOP id from GET /v1/sops.")
    document_ids: list[str] = Field(min_length=1, max_length=1000)
    engine: Engine | None = Field(None, description="local (offline) or llm; default: llm if configured, else local.")
    options: ReportOptions = Field(default_factory=ReportOptions)


class Progress(BaseModel):
    stage: Stage | None = Field(None, description="The latest event's stage (`queued` before a worker starts).")
    message: str | None = None
    done: int | None = None
    total: int | None = None


class JobOut(BaseModel):
    id: str
    state: JobState
    attempts: int
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Verification(BaseModel):
    """How much of the report is backed by located quotes (rejected items left out, as in the downloads)."""

    items: int
    items_supported: int
    items_unsupported: int
    citations: int
    citations_located: int
    located_share: float = Field(ge=0, le=1)
    by_status: dict[CitationStatus, int]
    passages: int = Field(0, description="Passages to read (Section.passages): located quotes, never findings.")
    sections_with_passages: int = Field(0, description="Sections that offer only passages to read, no findings.")


class ReportSummary(BaseModel):
    """What a list of reports shows beside each status; reading it costs the report's JSON."""

    sop_name: str = Field(examples=["Meeting action items"])
    sources: list[str] = Field(description="Source file names, in the order of `document_ids`.",
                               examples=[["call.txt"]])
    model: str | None = Field(None, description="The llm engine's model, once the report is finished.")
    verification: Verification | None = Field(None, description="Once the report is finished.")


class ReportStatus(BaseModel):
    id: str = Field(examples=["rep_0c1d2e3f4a5b"])
    state: JobState
    sop: str
    engine: str
    document_ids: list[str]
    batch_id: str | None = None
    room: str | None = None
    revision: int
    progress: Progress
    error: str | None = None
    partial: bool = Field(False, description="Succeeded with some sections failed: `progress.message` names them.")
    job: JobOut
    links: dict[str, str]
    created_at: datetime
    summary: ReportSummary | None = Field(
        None, description="Only from GET /v1/reports?summary=true: names, model and verification numbers.")


class ProgressEvent(BaseModel):
    """The `data` of one Server-Sent Event of /v1/reports/{id}/events; the SSE `event` name is the stage.

    A `section` event's `data` holds `{"section": <Section>, "done", "total", "documents": [<DocumentRef>]}`:
    one finished section, already grounded. The stream ends with an `end` event `{"state": <JobState>}`.
    """

    id: int = Field(description="Also the SSE id: reconnect with Last-Event-ID (or `?after=`) to resume.")
    stage: Stage
    message: str
    section_id: str | None = None
    done: int | None = None
    total: int | None = None
    attempt: int
    data: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class ItemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"fields": {"owner": "Priya"}, "review": "accepted"}]
    })

    fields: dict[str, Any] | None = Field(None, description="Field values to replace; citations are kept.")
    review: Literal["pending", "accepted", "rejected"] | None = None


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"section_id": "risks", "vote": "down", "reason": "missed the change-of-control clause"}]
    })

    section_id: str = Field(min_length=1, max_length=200)
    vote: Literal["up", "down"]
    reason: str = Field("", max_length=5000)
    edits: Any = Field(None, description="What the reviewer would have written instead (any JSON).")


class FeedbackOut(BaseModel):
    id: str
    report_id: str
    section_id: str
    vote: str
    reason: str
    edits: Any = None
    created_at: datetime


class Room(BaseModel):
    name: str = Field(min_length=1, max_length=500, examples=["acme"])
    document_ids: list[str] = Field(min_length=1, max_length=1000)


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"sop": "diligence-memo", "engine": "local", "rooms": [
            {"name": "acme", "document_ids": ["doc_3f9a1c2b7d4e"]},
            {"name": "globex", "document_ids": ["doc_77aa00bb11cc"]}]}]
    })

    sop: str = Field(min_length=1, max_length=200)
    rooms: list[Room] = Field(min_length=1, max_length=500)
    engine: Engine | None = None
    options: ReportOptions = Field(default_factory=ReportOptions)


class BatchReport(BaseModel):
    room: str | None
    report_id: str
    state: JobState
    error: str | None = None
    document_ids: list[str]


class BatchStatus(BaseModel):
    id: str = Field(examples=["bat_5e6f7a8b9c0d"])
    state: Literal["queued", "running", "succeeded", "partial", "failed"]
    sop: str
    sop_name: str = Field("", examples=["Diligence memo"], description="the SOP's display name ('' if it is gone)")
    engine: str
    counts: dict[str, int]
    reports: list[BatchReport]
    links: dict[str, str]
    created_at: datetime


class SectionSummary(BaseModel):
    id: str = Field(examples=["action_items"])
    title: str = Field(examples=["Action items"])
    kind: SectionKind
    instructions: str = ""


class _SopHead(BaseModel):
    id: str = Field(examples=["meeting-action-items"])
    name: str = Field(examples=["Meeting action items"])
    version: int | str
    description: str | None = None
    suits: list[str] = Field(default_factory=list, description="Source kinds the SOP is written for.")
    instructions: str = ""


class SopOut(_SopHead):
    """An SOP in the list: enough to pick one. GET /v1/sops/{id} has its fields, criteria and rubrics."""

    sections: list[SectionSummary]


class SopSuggestRequest(BaseModel):
    document_ids: list[str] = Field(min_length=1, max_length=500, examples=[["doc_3f9a1c2b7d4e"]])


class SopFitOut(BaseModel):
    """How well one SOP suits the sources: a hint for the person choosing (reportgen.sop.suggest)."""

    sop: str = Field(examples=["diligence-memo"])
    name: str = Field(examples=["Diligence memo"])
    score: float = Field(description="0..1: the share of the SOP's cue phrases found in the sources (each weighted "
                                     "by 1 / the SOPs sharing it), halved when a source is of a kind the SOP does not "
                                     "suit")
    cues_found: int
    cues_total: int
    kinds_fit: bool = Field(description="every source is of a kind the SOP says it suits")
    suggested: bool = Field(description="the best fit (at most one SOP; none when no cue was found anywhere)")
    warning: str | None = Field(None, description="why this SOP reads these sources poorly, when it does")


class RubricBandOut(BaseModel):
    value: int
    label: str
    description: str = ""


class FieldOut(BaseModel):
    type: FieldType = "text"
    description: str = ""
    required: bool = True
    values: list[str] | None = Field(None, description="The choices of an enum field.")
    rubric: list[RubricBandOut] | None = Field(None, description="The bands of a rating field.")
    items: FieldType | None = Field(None, description="The element type of a list field (default text).")


class CriterionOut(BaseModel):
    id: str
    name: str
    question: str
    rubric: list[RubricBandOut] = Field(default_factory=list)


class SectionDetail(SectionSummary):
    evidence: Literal["required", "optional", "none"] = "required"
    required: bool = True
    max_items: int | None = None
    fields: dict[str, FieldOut] = Field(default_factory=dict, description="Each item's fields, by name.")
    criteria: list[CriterionOut] = Field(default_factory=list, description="A scorecard's criteria.")


class SopDetail(_SopHead):
    """An SOP in full: what each section asks for, so a client can show and edit its items."""

    sections: list[SectionDetail]


class ServerInfo(BaseModel):
    """What a new report would run with on this server, and the upload limits."""

    default: Engine = Field(examples=["local"])
    available: list[Engine] = Field(examples=[["local"]])
    model: str | None = Field(None, description="The llm engine's model; None when no LLM is configured.")
    endpoint: str | None = Field(None, description="The OpenAI-compatible endpoint's host, when one is set.")
    max_upload_bytes: int
    max_file_bytes: int
    tenant: str = Field("", examples=["local"], description="The tenant this request's key (or keyless mode: "
                        "`local`) belongs to: what every list and id of this API is scoped to.")


class LlmCallOut(BaseModel):
    id: int
    attempt: int
    ts: float
    section_id: str | None
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_s: float
    cached: bool
    reask: int
    error: str | None
    messages: list[dict[str, Any]]
    response_raw: str | None
