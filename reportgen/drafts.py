"""What an engine hands to grounding: items with *quotes*, not yet located.

These sit in the core layer, beside `models`, because three stages exchange them (extract
writes them, grounding and the SOP compiler read them) and none of those may import another's
internals. Engines only ever return quotes (strings copied from the sources); locating them and
deriving offsets, timestamps, speakers and pages is `reportgen.grounding`'s job.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from reportgen.models import Usage


class DraftItem(BaseModel):
    fields: dict[str, Any] = Field(default_factory=dict)
    quotes: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    # The engine's calibrated confidence (0..1) that this item belongs in its section, when it has
    # one (a learned detector); evals rank by it for precision at 80% recall. None: no score.
    score: float | None = None


class DraftPassage(BaseModel):
    """A quote offered to read, not a finding (see `models.Passage`); grounding locates it."""

    quote: str
    criterion: str | None = None  # the scorecard criterion it bears on
    role: str | None = None  # who says it, as the SOP names them ("expert", "interviewer"), when known


class DraftSection(BaseModel):
    section_id: str
    items: list[DraftItem] = Field(default_factory=list)
    passages: list[DraftPassage] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    failed: str | None = None  # set when the section could not be extracted at all
    usage: Usage = Field(default_factory=Usage)
    # What the engine wants shown with its progress event (calls, parts, retrieval strategy...);
    # progress only, never part of the report.
    progress: dict[str, Any] = Field(default_factory=dict, exclude=True)
