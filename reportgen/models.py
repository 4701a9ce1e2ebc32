"""The data every stage exchanges: sources as located segments, reports as cited items.

Everything downstream (renderers, API, web page) reads these types, so they are plain
Pydantic models with no behaviour beyond small derived properties. A `Report` serialises
to versioned JSON (`schema_version`) and that JSON is the product's interchange format.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

SCHEMA_VERSION = 1

DocumentKind = Literal["transcript", "pdf", "docx", "text"]
CitationStatus = Literal["exact", "normalized", "fuzzy", "unsupported"]
LOCATED: frozenset[str] = frozenset({"exact", "normalized", "fuzzy"})
# Flags that say an item's fields do not follow from its located quotes (set by validation): such
# an item is not supported, however well its quotes are located.
INCONSISTENT_FLAGS: frozenset[str] = frozenset({"value-not-in-quote", "text-not-in-quote"})
Support = Literal["supported", "inconsistent", "partial", "unsupported", "uncited"]


def _now() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """Short random ids: readable in URLs and logs, unique enough per installation."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class Segment(BaseModel):
    """A span of `Document.text` with its locator; `text == document.text[char_start:char_end]`."""

    id: int
    text: str
    char_start: int
    char_end: int
    start: float | None = None  # seconds from the start of the recording
    end: float | None = None
    speaker: str | None = None
    page: int | None = None  # 1-based page number (PDF, DOCX page breaks when known)
    line: int | None = None  # 1-based line of the file where the segment starts (plain text, Markdown)
    paragraph: int | None = None  # 1-based paragraph (blank-line-separated block) of that line


class Document(BaseModel):
    """One source: a canonical text plus ordered, non-overlapping, located segments."""

    id: str
    filename: str  # for zip members, the path inside the archive ("acme/finance/q3.pdf")
    media_type: str
    sha256: str  # of the original bytes
    kind: DocumentKind
    format: str  # the sniffed format: vtt, srt, sbv, whisper, asr-json, deepgram, speaker-lines, ...
    text: str
    segments: list[Segment] = Field(default_factory=list)
    pages: int | None = None
    noise_spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Char spans of non-speech tokens such as [Music] or (laughing); kept in text, marked here.",
    )
    warnings: list[str] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    # A transcript's recording (http/https, checked by the API), so the viewer can play from a citation's time.
    # Kept out of DocumentRef: the viewer reads it from the live document, so setting it later reaches old reports.
    media_url: str | None = None

    @property
    def duration(self) -> float | None:
        ends = [e for e in (s.end if s.end is not None else s.start for s in self.segments) if e is not None]
        return max(ends) if ends else None

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.segments:
            if s.speaker:
                seen.setdefault(s.speaker, None)
        return list(seen)


class DocumentRef(BaseModel):
    """What a report keeps of each source: enough to label citations without the text."""

    id: str
    filename: str
    kind: DocumentKind
    format: str
    sha256: str
    pages: int | None = None
    duration: float | None = None
    speakers: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, doc: Document) -> DocumentRef:
        return cls(
            id=doc.id,
            filename=doc.filename,
            kind=doc.kind,
            format=doc.format,
            sha256=doc.sha256,
            pages=doc.pages,
            duration=doc.duration,
            speakers=doc.speakers,
        )


class Box(BaseModel):
    """One line of a quote on a PDF page: points from the top left of the page as shown (its crop box),
    like `pdftotext -bbox`, with the page's size so a viewer can scale to any rendering."""

    page: int  # 1-based
    x0: float
    y0: float  # top edge
    x1: float
    y1: float  # bottom edge
    w: float  # page width in points
    h: float  # page height in points


class Citation(BaseModel):
    """A verbatim quote and where the engine (never the model) found it."""

    document_id: str | None = None
    quote: str
    char_start: int | None = None
    char_end: int | None = None
    status: CitationStatus = "unsupported"
    reason: str | None = None  # why an unsupported quote is not support (e.g. "meaning-differs: negation")
    score: float = 0.0  # 1.0 exact; match ratio for fuzzy; 0 when unsupported
    segment_ids: list[int] = Field(default_factory=list)
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    page: int | None = None
    line: int | None = None  # where the quote starts, for sources without pages or times
    paragraph: int | None = None
    # PDF sources: the quote's characters merged into line rectangles (reportgen.ingest.pdfboxes)
    boxes: list[Box] = Field(default_factory=list)

    @property
    def located(self) -> bool:
        return self.status in LOCATED


class Passage(Citation):
    """A located quote offered *to read* where the engine has no detector it can vouch for.

    It claims nothing: it is not a finding, is not reviewed or counted as one, and only says
    where in the sources a reader should look. `criterion` ties it to a scorecard row.
    """

    criterion: str | None = None
    role: str | None = None  # who says it, as the SOP names them ("expert", "interviewer"), when the engine can tell


class Item(BaseModel):
    """One finding: typed fields (per the SOP), its evidence, and anything wrong with it."""

    id: str = Field(default_factory=lambda: new_id("itm"))
    fields: dict[str, Any] = Field(default_factory=dict)
    citations: list[Citation] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)  # "code: human message"
    review: Literal["pending", "accepted", "rejected"] = "pending"
    edited: bool = False
    score: float | None = None  # the engine's confidence that the item belongs here (drafts.DraftItem.score)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def support(self) -> Support:
        """supported: every quote located and the fields agree with them; inconsistent: located, but
        a value or the text is not what the quotes say; partial / unsupported / uncited: quotes missing."""
        if not self.citations:
            return "uncited"
        located = sum(c.located for c in self.citations)
        if located < len(self.citations):
            return "partial" if located else "unsupported"
        if any(f.split(":", 1)[0].strip() in INCONSISTENT_FLAGS for f in self.flags):
            return "inconsistent"
        return "supported"


class Section(BaseModel):
    id: str
    title: str
    kind: str = "list"  # prose | list | table | scorecard | verdict
    items: list[Item] = Field(default_factory=list)
    # Where the engine writes no findings (the offline engine, in sections without a measured detector):
    # the few most relevant located quotes, to read. Never findings.
    passages: list[Passage] = Field(default_factory=list)
    status: Literal["ok", "empty", "failed"] = "ok"
    notes: list[str] = Field(default_factory=list)

    def is_slot(self, item: Item) -> bool:
        """An unrated scorecard row without quotes is a slot for a reviewer's rating: it claims nothing,
        so it is shown but never counted as a finding (nor as an unsupported one)."""
        return self.kind == "scorecard" and item.fields.get("rating") is None and not item.citations

    def findings(self) -> list[Item]:
        """What the section claims: its items, less those a reviewer rejected and empty scorecard slots."""
        return [i for i in self.items if i.review != "rejected" and not self.is_slot(i)]


class Usage(BaseModel):
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_calls: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0

    def add(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_calls=self.cached_calls + other.cached_calls,
            cost_usd=round(self.cost_usd + other.cost_usd, 6),
            seconds=self.seconds + other.seconds,
        )


class ReportIssue(BaseModel):
    """A problem found while building the report; shown to the reader, never swallowed."""

    severity: Literal["error", "warning", "info"] = "warning"
    code: str
    message: str
    section_id: str | None = None
    item_id: str | None = None


class Report(BaseModel):
    schema_version: int = SCHEMA_VERSION
    id: str = Field(default_factory=lambda: new_id("rep"))
    sop_id: str
    sop_name: str = ""
    sop_version: int | str = 1
    documents: list[DocumentRef] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    engine: str = "local"
    model: str | None = None
    extractive: bool = False  # True for the local engine: an extractive draft, said so in every output
    usage: Usage = Field(default_factory=Usage)
    issues: list[ReportIssue] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=_now)

    def citations(self) -> list[Citation]:
        return [c for s in self.sections for i in s.items for c in i.citations]

    def verification(self) -> dict[str, Any]:
        """The numbers on the title page: how much of what is delivered is backed by located quotes.

        Only findings count (`Section.findings`): items a reviewer rejected are left out of the
        deliverable, and passages to read and unrated scorecard slots claim nothing.
        """
        items = [i for s in self.sections for i in s.findings()]
        cites = [c for i in items for c in i.citations]
        located = sum(c.located for c in cites)
        return {
            "items": len(items),
            "items_supported": sum(i.support == "supported" for i in items),
            "items_inconsistent": sum(i.support == "inconsistent" for i in items),
            "items_unsupported": sum(i.support in ("unsupported", "uncited") for i in items),
            "citations": len(cites),
            "citations_located": located,
            "located_share": (located / len(cites)) if cites else 1.0,
            "by_status": {
                s: sum(c.status == s for c in cites) for s in ("exact", "normalized", "fuzzy", "unsupported")
            },
            "passages": sum(len(s.passages) for s in self.sections),
            "sections_with_passages": sum(bool(s.passages) and not s.findings() for s in self.sections),
        }
