"""SOP sections compiled to response models, responses converted to drafts, Pydantic models as SOPs."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Literal

import pytest
from instructor import openai_schema
from pydantic import BaseModel, Field, ValidationError

from reportgen.drafts import DraftSection
from reportgen.errors import SOPError
from reportgen.sop import SOP, Criterion, FieldSpec, RubricBand, SectionSpec, builtin_sops, sop_problems
from reportgen.sopschema import draft_from_response, section_model, sop_from_model
from reportgen.validate import check_fields


def _actions() -> SectionSpec:
    return builtin_sops()["meeting-action-items"].section("action_items")


def _card() -> SectionSpec:
    bands = [RubricBand(value=v, label=lab, description=f"anchor {lab}") for v, lab in [(1, "Low"), (2, "High")]]
    return SectionSpec(
        id="skills",
        title="Skills",
        kind="scorecard",
        criteria=[
            Criterion(id="coding", name="Coding", question="Can they code?", rubric=bands),
            Criterion(id="design", name="Design", question="Can they design?", rubric=bands),
        ],
    )


def test_table_section_schema_types_every_field():
    schema = section_model(_actions()).model_json_schema()
    item = schema["$defs"]["ActionItemsItem"]
    props = item["properties"]
    assert list(props) == ["task", "owner", "due", "status", "quotes"]
    assert set(item["required"]) == {"task", "owner", "quotes"}
    assert props["status"]["enum"] == ["open", "done", "blocked"] and props["status"]["default"] == "open"
    assert props["quotes"]["minItems"] == 1 and "Verbatim" in props["quotes"]["description"]
    assert "never a pronoun" in props["owner"]["description"]
    assert "Every commitment" in schema["properties"]["items"]["description"]
    assert "I'll" in schema["properties"]["items"]["description"]  # the cue phrases reach the model
    assert openai_schema(section_model(_actions())).openai_schema["name"] == "ActionItemsSection"


def test_enum_and_quotes_are_enforced_by_the_model():
    model = section_model(_actions())
    with pytest.raises(ValidationError):
        model.model_validate({"items": [{"task": "x", "owner": "Ann", "status": "pending", "quotes": ["q"]}]})
    with pytest.raises(ValidationError):
        model.model_validate({"items": [{"task": "x", "owner": "Ann", "quotes": []}]})


def test_draft_follows_the_field_conventions():
    spec = SectionSpec(
        id="financials",
        title="Financials",
        kind="table",
        fields={
            "metric": FieldSpec(type="text"),
            "figure": FieldSpec(type="money"),
            "audited": FieldSpec(type="boolean", required=False),
            "tags": FieldSpec(type="list", required=False),
        },
    )
    model = section_model(spec)
    obj = model.model_validate(
        {
            "items": [
                {
                    "metric": " Revenue ",
                    "figure": {"value": 12_500_000, "unit": "USD", "period": "FY2024", "text": "$12.5M in FY2024"},
                    "quotes": ["Revenue was $12.5M in FY2024", "Revenue was $12.5M in FY2024"],
                }
            ],
            "notes": "Only one year given.",
        }
    )
    draft = draft_from_response(spec, obj)
    assert isinstance(draft, DraftSection) and draft.section_id == "financials"
    (item,) = draft.items
    assert item.fields == {
        "metric": "Revenue",
        "figure": {"value": 12_500_000.0, "unit": "USD", "period": "FY2024", "text": "$12.5M in FY2024"},
        "audited": None,
        "tags": [],
    }
    assert item.quotes == ["Revenue was $12.5M in FY2024"]
    assert draft.notes == ["Only one year given."]
    assert check_fields(spec, item.fields) == []
    # a plain dict (e.g. from a cache) converts the same way
    assert draft_from_response(spec, obj.model_dump()).items[0].fields == item.fields


def test_scorecard_schema_and_draft():
    spec = _card()
    model = section_model(spec)
    props = model.model_json_schema()["$defs"]["SkillsItem"]["properties"]
    assert props["criterion"]["enum"] == ["coding", "design"]
    assert props["rating"]["anyOf"][0]["enum"] == [1, 2]
    assert "anchor High" in props["rating"]["description"]
    obj = model.model_validate(
        {
            "items": [
                {"criterion": "coding", "rating": 2, "rationale": "Wrote tests first.", "quotes": ["I write tests"]},
                {"criterion": "coding", "rating": 1, "rationale": "dup", "quotes": ["I refactor"]},
            ]
        }
    )
    draft = draft_from_response(spec, obj)
    assert [i.fields["criterion"] for i in draft.items] == ["coding", "design"]
    coding, design = draft.items
    expected = {"criterion": "coding", "name": "Coding", "rating": 2, "band": "High", "rationale": "Wrote tests first."}
    assert coding.fields == expected
    assert coding.quotes == ["I write tests", "I refactor"]
    assert design.fields["rating"] is None and design.fields["band"] is None and design.quotes == []
    assert any("twice" in n for n in draft.notes) and any("Design" in n for n in draft.notes)


def test_prose_verdict_and_limits():
    prose = SectionSpec(id="summary", title="Summary", kind="prose", max_items=1)
    props = section_model(prose).model_json_schema()["$defs"]["SummaryItem"]["properties"]
    assert list(props) == ["text", "quotes"]
    draft = draft_from_response(prose, {"items": [{"text": "a", "quotes": ["x"]}, {"text": "b", "quotes": ["y"]}]})
    assert [i.fields for i in draft.items] == [{"text": "a"}] and "allows 1" in draft.notes[0]
    verdict = builtin_sops()["interview-scorecard"].section("recommendation")
    obj = section_model(verdict).model_validate(
        {"items": [{"verdict": "hire", "rationale": "Strong on coding.", "quotes": ["I shipped it"]}]}
    )
    assert draft_from_response(verdict, obj).items[0].fields == {"verdict": "hire", "rationale": "Strong on coding."}


def test_models_are_cached_by_content():
    assert section_model(_actions()) is section_model(_actions())
    changed = _actions().model_copy(update={"instructions": "Only tasks for engineering."})
    assert section_model(changed) is not section_model(_actions())


def test_every_builtin_section_compiles_to_a_valid_tool_schema():
    for sop in builtin_sops().values():
        for spec in sop.sections:
            model = section_model(spec)
            schema = openai_schema(model).openai_schema
            json.dumps(schema)
            assert schema["parameters"]["properties"]["items"]["type"] == "array"
            empty = draft_from_response(spec, model.model_validate({"items": []}))
            expected = len(spec.criteria) if spec.kind == "scorecard" else 0
            assert len(empty.items) == expected


# --- a Python user's model as the SOP ------------------------------------------------------------------


class Risk(BaseModel):
    """A risk the memo must surface."""

    risk: str = Field(description="The risk in one sentence.")
    severity: Literal["low", "medium", "high"] = "medium"
    owner: str | None = None
    due: dt.date | None = None
    exposure: decimal.Decimal | None = None
    headcount: int | None = None
    material: bool = False
    tags: list[str] = Field(default_factory=list)


class BoardMemo(BaseModel):
    """Brief the board on the quarter."""

    summary: str = Field(description="Two paragraphs on the quarter.")
    highlights: list[str]
    risks: list[Risk]
    approve_budget: Literal["yes", "no"]
    follow_ups: list[str] | None = None


def test_sop_from_model_maps_sections_and_fields():
    sop = sop_from_model(BoardMemo)
    assert isinstance(sop, SOP) and sop.id == "board-memo" and sop.name == "Board Memo"
    assert sop.instructions == "Brief the board on the quarter."
    assert str(sop.version).startswith("py-")
    assert sop_problems(sop) == []
    kinds = {s.id: s.kind for s in sop.sections}
    assert kinds == {
        "summary": "prose",
        "highlights": "list",
        "risks": "table",
        "approve_budget": "verdict",
        "follow_ups": "list",
    }
    assert sop.section("summary").instructions == "Two paragraphs on the quarter."
    assert sop.section("follow_ups").required is False
    risks = sop.section("risks")
    assert risks.instructions == "A risk the memo must surface."
    types = {n: f.type for n, f in risks.fields.items()}
    assert types == {
        "risk": "text",
        "severity": "enum",
        "owner": "person",
        "due": "date",
        "exposure": "money",
        "headcount": "number",
        "material": "boolean",
        "tags": "list",
    }
    assert risks.fields["severity"].values == ["low", "medium", "high"] and risks.fields["severity"].default == "medium"
    assert risks.fields["risk"].required and not risks.fields["owner"].required
    assert sop.section("approve_budget").fields["approve_budget"].values == ["yes", "no"]
    assert sop_from_model(BoardMemo, id="q3").id == "q3"
    for spec in sop.sections:  # and the result compiles like any SOP
        section_model(spec).model_json_schema()


def test_sop_from_model_rejects_what_it_cannot_express():
    class Nested(BaseModel):
        inner: dict[str, int]

    class Bad(BaseModel):
        items: list[Nested]

    with pytest.raises(SOPError, match=r"Nested.inner: type .* cannot be an SOP field"):
        sop_from_model(Bad)

    class Reserved(BaseModel):
        class Row(BaseModel):
            quotes: str

        rows: list[Row]

    with pytest.raises(SOPError, match="reserved"):
        sop_from_model(Reserved)
    with pytest.raises(SOPError, match="Pydantic model"):
        sop_from_model(dict)  # type: ignore[arg-type]
