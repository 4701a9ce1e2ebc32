"""The SOP as data: the types every engine, check and renderer reads.

Kept free of loading and checking so that importing a `SectionSpec` costs nothing but
pydantic; the models forbid unknown keys so a typo in a user's YAML is an error, not a
silently ignored setting.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FieldType = Literal["text", "person", "date", "number", "money", "enum", "rating", "boolean", "list"]
SectionKind = Literal["prose", "list", "table", "scorecard", "verdict"]
SourceKind = Literal["transcript", "pdf", "docx", "text"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RubricBand(_Strict):
    """One band of a rating scale, e.g. 3 = "Strong: solved it unaided and tested edge cases"."""

    value: int
    label: str
    description: str = ""


class FieldSpec(_Strict):
    type: FieldType = "text"
    description: str = ""
    required: bool = True
    values: list[str] | None = None  # enum choices
    rubric: list[RubricBand] | None = None  # rating fields outside scorecards
    default: Any = None
    items: FieldType | None = None  # element type of a list field (default text)


class Criterion(_Strict):
    """One scorecard row: a question, its rubric, and the cues that find its evidence."""

    id: str
    name: str
    question: str
    rubric: list[RubricBand] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)


class SectionSpec(_Strict):
    id: str
    title: str
    kind: SectionKind = "list"
    instructions: str = ""
    cues: list[str] = Field(default_factory=list)
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    criteria: list[Criterion] = Field(default_factory=list)  # scorecard sections
    evidence: Literal["required", "optional", "none"] = "required"
    required: bool = True  # an empty required section is reported as an issue
    max_items: int | None = None


class SOP(_Strict):
    id: str
    name: str
    version: int | str = 1
    description: str = ""
    suits: list[SourceKind] = Field(default_factory=list)
    instructions: str = ""
    sections: list[SectionSpec]
    source_path: str | None = Field(default=None, exclude=True)

    def section(self, section_id: str) -> SectionSpec:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)
