"""What every engine returns, and the one protocol engines implement.

Engines only ever return *quotes* (strings copied from the sources). Locating them,
and deriving offsets, timestamps, speakers and pages, is `reportgen.grounding`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, Field

from reportgen.models import Document, Usage
from reportgen.sop import SOP, SectionSpec


class DraftItem(BaseModel):
    fields: dict[str, Any] = Field(default_factory=dict)
    quotes: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)


class DraftSection(BaseModel):
    section_id: str
    items: list[DraftItem] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    failed: str | None = None  # set when the section could not be extracted at all
    usage: Usage = Field(default_factory=Usage)


class Event(BaseModel):
    """A progress event: parsed, selected, section k of N extracted, validated, rendered."""

    stage: str
    message: str
    section_id: str | None = None
    done: int | None = None
    total: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


OnEvent = Callable[[Event], None]


class Extractor(Protocol):
    name: str
    model: str | None

    async def extract(
        self, sop: SOP, sections: list[SectionSpec], documents: list[Document], on_event: OnEvent | None = None
    ) -> list[DraftSection]: ...
