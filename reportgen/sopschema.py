"""SOP sections compiled into the Pydantic models an LLM fills, and back into draft items.

The compiled model *is* the prompt's contract: its JSON schema (field types, Literal choices,
descriptions carrying the SOP's instructions and rubric text) is what the model sees through
instructor. Models only ever return quotes as evidence; locating them is grounding's job.

`sop_from_model` (in `reportgen.sop.from_model`, re-exported here) goes the other way for
Python users: their own Pydantic model becomes an SOP.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from reportgen.drafts import DraftItem, DraftSection
from reportgen.sop import FieldSpec, FieldType, RubricBand, SectionSpec
from reportgen.sop.from_model import sop_from_model

__all__ = ["Amount", "Money", "draft_from_response", "section_model", "sop_from_model"]

QUOTES_HELP = (
    "Verbatim quotes copied character for character from the sources that prove this item: "
    "a sentence or phrase each, no paraphrase, no ellipses, no segment ids, timestamps or speaker labels."
)
NOTES_HELP = "Anything the reader should know about this section (e.g. that the sources say nothing about it)."


class Amount(BaseModel):
    """A figure as stated in the sources, with its unit and the period it covers."""

    value: float | None = Field(
        None, description="The number in full units (12.5M -> 12500000, 40% -> 40); null if no number is stated."
    )
    unit: str | None = Field(None, description="Unit of the figure, e.g. %, users, months, FTE; null if none.")
    period: str | None = Field(None, description="Period the figure refers to, e.g. FY2024, Q3 2023, per month.")
    text: str = Field(description="The figure exactly as written or said, e.g. '40% year on year'.")


class Money(Amount):
    """An amount of money as stated in the sources, with its currency and period."""

    unit: str | None = Field(None, description="ISO 4217 currency code, e.g. USD, EUR, GBP; null if not stated.")
    text: str = Field(description="The amount exactly as written or said, e.g. '$12.5M in FY2024'.")


# --- compiling a section -----------------------------------------------------------------------


def section_model(spec: SectionSpec) -> type[BaseModel]:
    """The response model for one section: {"items": [{fields..., "quotes": [...]}], "notes": str | None}.

    Cached on the section's full content, which is at least as strict as (SOP id, version, section
    id): an edited user SOP that forgot to bump its version still gets a fresh schema.
    """
    return _compile(spec.model_dump_json())


@functools.lru_cache(maxsize=512)
def _compile(spec_json: str) -> type[BaseModel]:
    spec = SectionSpec.model_validate_json(spec_json)
    stem = _camel(spec.id)
    item = _item_model(spec, stem)
    what = (spec.instructions or spec.title).strip()
    items_help = what
    if spec.kind == "scorecard":
        order = ", ".join(c.id for c in spec.criteria)
        items_help = f"{what} Exactly one item per criterion, in this order: {order}.".strip()
    elif spec.kind == "verdict":
        items_help = f"{what} Exactly one item.".strip()
    elif spec.max_items:
        items_help = f"{what} At most {spec.max_items} items, the most important first.".strip()
    if spec.cues:
        items_help += " Phrases that often signal evidence: " + "; ".join(f'"{c}"' for c in spec.cues) + "."
    if spec.kind not in ("scorecard", "verdict"):
        items_help += " Return an empty list when the sources contain nothing for this section."
    doc = f"{spec.title}. {spec.instructions}".strip()
    return create_model(
        f"{stem}Section",
        __doc__=doc,
        items=(list[item], Field(default_factory=list, description=items_help)),  # type: ignore[valid-type]
        notes=(str | None, Field(None, description=NOTES_HELP)),
    )


def _item_model(spec: SectionSpec, stem: str) -> type[BaseModel]:
    min_quotes = 1 if spec.evidence == "required" and spec.kind != "scorecard" else 0
    fields: dict[str, Any] = {}
    if spec.kind == "scorecard":
        ids = tuple(c.id for c in spec.criteria) or ("criterion",)
        crit_help = "Which criterion this item rates: " + "; ".join(
            f"{c.id} = {c.name}: {c.question}" for c in spec.criteria
        )
        rating_values = tuple(sorted({b.value for c in spec.criteria for b in c.rubric})) or (1,)
        rubric_help = " ".join(f"{c.id}: [{_rubric_text(c.rubric)}]." for c in spec.criteria if c.rubric)
        fields["criterion"] = (Literal[ids], Field(description=crit_help))
        fields["rating"] = (
            Literal[rating_values] | None,
            Field(
                None,
                description="The rubric band the evidence supports, or null (= not rated) when the sources do not "
                f"show enough to place the candidate in a band. Bands per criterion: {rubric_help}",
            ),
        )
        fields["rationale"] = (
            str,
            Field(
                description="Why this band, naming the behaviour the quotes show; if not rated, say what is missing."
            ),
        )
        quotes_help = QUOTES_HELP + " Empty only when the sources say nothing about this criterion."
    else:
        for name, fs in _declared_fields(spec).items():
            fields[name] = _field(fs)
        quotes_help = QUOTES_HELP
    if min_quotes:  # required in the schema too, so the model cannot leave the key out
        fields["quotes"] = (list[str], Field(min_length=min_quotes, description=quotes_help))
    else:
        fields["quotes"] = (list[str], Field(default_factory=list, description=quotes_help))
    return create_model(f"{stem}Item", __doc__=f"One item of the section '{spec.title}'.", **fields)


def _declared_fields(spec: SectionSpec) -> dict[str, FieldSpec]:
    """The fields items of this section carry; prose and bare list sections are one paragraph of text."""
    if spec.kind == "prose" or not spec.fields:
        help_ = "One paragraph in plain prose." if spec.kind == "prose" else "One finding, stated in a sentence."
        return {"text": FieldSpec(type="text", description=help_)}
    return spec.fields


def _field(fs: FieldSpec) -> tuple[Any, Any]:  # (annotation, pydantic Field(...))
    ann = _annotation(fs.type, fs)
    if fs.type == "list":
        ann = list[_annotation(fs.items or "text", fs)]  # type: ignore[misc]
    desc = _describe(fs)
    if fs.type == "rating":
        return ann | None, Field(fs.default, description=desc)
    if fs.default is not None:
        return ann, Field(fs.default, description=desc)
    if not fs.required:
        return ann | None, Field(None, description=desc)
    if fs.type == "list":
        return ann, Field(default_factory=list, description=desc)
    return ann, Field(description=desc)


def _annotation(kind: FieldType, fs: FieldSpec) -> Any:
    if kind == "enum":
        return Literal[tuple(fs.values or ["other"])]
    if kind == "rating":
        return Literal[tuple(b.value for b in fs.rubric or []) or (1,)]
    return {"boolean": bool, "number": Amount, "money": Money}.get(kind, str)


def _describe(fs: FieldSpec) -> str | None:
    hint = {
        "person": "A person's name as it appears in the sources, or their speaker label; never a pronoun.",
        "date": "ISO date YYYY-MM-DD when stated or resolvable; otherwise the phrase exactly as said "
        "(e.g. 'end of next week').",
        "enum": f"One of: {', '.join(fs.values or [])}.",
        "rating": f"Rubric: {_rubric_text(fs.rubric or [])}. Null (= not rated) when the evidence does not "
        "justify a band.",
        "boolean": "true or false.",
    }.get(fs.type, "")
    if fs.type == "list" and fs.items == "enum":
        hint = f"Each one of: {', '.join(fs.values or [])}."
    return " ".join(p for p in (fs.description.strip(), hint) if p) or None


def _rubric_text(bands: list[RubricBand]) -> str:
    return "; ".join(
        f"{b.value} = {b.label}" + (f": {b.description.strip().rstrip('.')}" if b.description else "") for b in bands
    )


def _camel(text: str) -> str:
    parts = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p) or "Section"
    return name if name[0].isalpha() else f"S{name}"


# --- response -> draft -------------------------------------------------------------------------


def draft_from_response(spec: SectionSpec, obj: BaseModel | dict[str, Any]) -> DraftSection:
    """Convert a filled section model (or its dict) into engine-neutral draft items.

    Applies the item-field conventions (docs/fields/): amounts become {value, unit, period, text},
    scorecards get exactly one item per criterion with its name and band label, and anything the
    response did beyond the SOP (extra items, repeated criteria) is noted, never silently kept.
    """
    data = obj.model_dump() if isinstance(obj, BaseModel) else dict(obj or {})
    raw_items = [i.model_dump() if isinstance(i, BaseModel) else dict(i) for i in data.get("items") or []]
    notes = [str(data["notes"]).strip()] if data.get("notes") and str(data["notes"]).strip() else []
    if spec.kind == "scorecard":
        items = _scorecard_items(spec, raw_items, notes)
    else:
        declared = _declared_fields(spec)
        items = [DraftItem(fields=_convert_fields(declared, raw), quotes=_quotes(raw)) for raw in raw_items]
        limit = 1 if spec.kind == "verdict" else spec.max_items
        if limit is not None and len(items) > limit:
            notes.append(
                f"The model returned {len(items)} items; the SOP allows {limit}, so the first {limit} are kept."
            )
            items = items[:limit]
    return DraftSection(section_id=spec.id, items=items, notes=notes)


def _scorecard_items(spec: SectionSpec, raw_items: list[dict[str, Any]], notes: list[str]) -> list[DraftItem]:
    by_id: dict[str, DraftItem] = {}
    for raw in raw_items:
        cid = raw.get("criterion")
        crit = next((c for c in spec.criteria if c.id == cid), None)
        if crit is None:
            notes.append(f"Dropped an item for unknown criterion {cid!r}.")
            continue
        if crit.id in by_id:  # the same criterion twice: keep the first rating, pool the evidence
            merged = by_id[crit.id]
            merged.quotes = _dedupe(merged.quotes + _quotes(raw))
            notes.append(f"The model rated {crit.name} twice; kept the first rating and pooled the evidence.")
            continue
        rating = raw.get("rating")
        band = next((b for b in crit.rubric if b.value == rating), None)
        fields = {
            "criterion": crit.id,
            "name": crit.name,
            "rating": rating,
            "band": band.label if band else None,
            "rationale": _text(raw.get("rationale")) or "",
        }
        by_id[crit.id] = DraftItem(fields=fields, quotes=_quotes(raw))
    items: list[DraftItem] = []
    for crit in spec.criteria:
        if crit.id in by_id:
            items.append(by_id[crit.id])
        else:
            fields = {"criterion": crit.id, "name": crit.name, "rating": None, "band": None, "rationale": ""}
            items.append(DraftItem(fields=fields))
            notes.append(f"No assessment was returned for {crit.name}; it is shown as not rated.")
    return items


def _convert_fields(declared: dict[str, FieldSpec], raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, fs in declared.items():
        value = raw.get(name, fs.default)
        if value is None:
            out[name] = fs.default if fs.type != "list" else []
        elif fs.type == "list":
            elems = value if isinstance(value, list) else [value]
            out[name] = [_convert_value(fs.items or "text", e) for e in elems if e is not None]
        else:
            out[name] = _convert_value(fs.type, value)
    return out


def _convert_value(kind: FieldType, value: Any) -> Any:
    if kind in ("number", "money"):
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if isinstance(value, dict):
            return {
                "value": value.get("value"),
                "unit": value.get("unit"),
                "period": value.get("period"),
                "text": _text(value.get("text")) or "",
            }
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"value": float(value), "unit": None, "period": None, "text": str(value)}
        return {"value": None, "unit": None, "period": None, "text": _text(value) or ""}
    if kind in ("boolean", "rating"):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip()


def _quotes(raw: dict[str, Any]) -> list[str]:
    quotes = raw.get("quotes") or []
    if isinstance(quotes, str):
        quotes = [quotes]
    return _dedupe([q.strip() for q in quotes if isinstance(q, str) and q.strip()])


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
