"""Checks on one item's fields against its section spec: types, enums, rubric bands, owners, dates, evidence.

These are shared by report validation and the LLM engine's re-ask loop (`check_fields`), so a
model is asked to fix exactly what the report would otherwise flag.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from reportgen.dates import real_iso
from reportgen.models import Item
from reportgen.sop import FieldSpec, FieldType, SectionSpec
from reportgen.validate.codes import Problem
from reportgen.validate.people import PRONOUNS, People


def check_fields(spec: SectionSpec, fields: dict[str, Any], *, people: Iterable[str] | None = None) -> list[str]:
    """Problems with one item's fields as "code: message" strings an LLM can act on; [] when fine.

    `people` (speakers and names from the sources) enables the owner check; without it only
    pronoun owners are caught. Unresolved date phrases are not reported: saying the phrase as
    spoken is what the model is asked to do when it cannot know the date.
    """
    known = People.of_names(people) if people is not None else None
    return [f"{code}: {msg}" for code, msg in field_problems(spec, fields, known)]


def field_problems(spec: SectionSpec, fields: dict[str, Any], people: People | None) -> list[Problem]:
    """Type, enum, rubric and owner problems; `people` None skips the who-is-this check."""
    if not isinstance(fields, dict):
        return [("invalid-value", "the item must be an object of fields")]
    if spec.kind == "scorecard":
        return _scorecard_problems(spec, fields)
    out: list[Problem] = []
    for name, fs in declared_fields(spec).items():
        value = fields.get(name)
        if is_empty(value):
            if fs.required and fs.default is None and fs.type != "rating":
                out.append(("missing-field", f"'{name}' is required ({fs.type}) but empty"))
            continue
        out += _value_problems(name, fs.type, fs, value, people)
    return out


def _value_problems(name: str, kind: FieldType, fs: FieldSpec, value: Any, people: People | None) -> list[Problem]:
    if kind in ("text", "person", "date"):
        if not isinstance(value, str):
            return [("invalid-value", f"'{name}' must be text, got {type(value).__name__}")]
        if kind == "person":
            return _owner_problems(name, value, people)
        if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) and not real_iso(value.strip()):
            return [("invalid-value", f"'{name}' is {value!r}, which is not a real calendar date")]
        return []
    if kind == "enum":
        allowed = fs.values or []
        if value not in allowed:
            return [("invalid-enum", f"'{name}' is {value!r}; allowed values: {', '.join(map(str, allowed))}")]
        return []
    if kind == "rating":
        bands = {b.value: b.label for b in fs.rubric or []}
        if value not in bands or isinstance(value, bool):
            shown = ", ".join(f"{v} ({lab})" for v, lab in bands.items())
            return [("invalid-rating", f"'{name}' is {value!r}; use one of {shown}, or null for not rated")]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [("invalid-value", f"'{name}' must be true or false, got {value!r}")]
    if kind in ("number", "money"):
        return _amount_problems(name, kind, value)
    if kind == "list":
        if not isinstance(value, list):
            return [("invalid-value", f"'{name}' must be a list, got {type(value).__name__}")]
        out: list[Problem] = []
        for n, elem in enumerate(value):
            out += _value_problems(f"{name}[{n}]", fs.items or "text", fs, elem, people)
        return out
    return []


def _amount_problems(name: str, kind: str, value: Any) -> list[Problem]:
    shape = "{value: number or null, unit, period, text: the figure as written}"
    if not isinstance(value, dict):
        return [("invalid-value", f"'{name}' must be a {kind} object {shape}, got {value!r}")]
    v = value.get("value")
    if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
        return [("invalid-value", f"'{name}'.value must be a number or null, got {v!r}")]
    for key in ("unit", "period"):
        if value.get(key) is not None and not isinstance(value.get(key), str):
            return [("invalid-value", f"'{name}'.{key} must be text or null, got {value.get(key)!r}")]
    if not isinstance(value.get("text"), str) or not value["text"].strip():
        return [("invalid-value", f"'{name}'.text must give the figure as written in the source, e.g. '$12.5M'")]
    return []


def _scorecard_problems(spec: SectionSpec, fields: dict[str, Any]) -> list[Problem]:
    crit = next((c for c in spec.criteria if c.id == fields.get("criterion")), None)
    if crit is None:
        ids = ", ".join(c.id for c in spec.criteria)
        return [("invalid-value", f"criterion {fields.get('criterion')!r} is not one of {ids}")]
    rating = fields.get("rating")
    bands = {b.value: b.label for b in crit.rubric}
    if rating is not None and (isinstance(rating, bool) or rating not in bands):
        shown = ", ".join(f"{v} ({lab})" for v, lab in bands.items())
        return [("invalid-rating", f"{crit.name}: rating {rating!r} is not a band; use one of {shown}, or null")]
    rationale = fields.get("rationale")
    if rating is not None and (not isinstance(rationale, str) or not rationale.strip()):
        return [("missing-field", f"{crit.name}: rated {rating} without a rationale; say why this band")]
    return []


def _owner_problems(name: str, value: str, people: People | None) -> list[Problem]:
    cleaned = value.strip().strip(".,;:!?\"'()").lower()
    if cleaned in PRONOUNS or cleaned in ("the team", "team", "all", "everyone"):
        return [("owner-unknown", f"'{name}' is {value!r}, which is not a person; name who (e.g. the speaker)")]
    if people is not None and not people.knows(value):
        shown = ", ".join(people.speakers[:8])
        hint = f" Speakers: {shown}." if shown else ""
        return [("owner-unknown", f"'{name}' is {value!r}, who is neither a speaker nor named in the sources.{hint}")]
    return []


def date_problems(spec: SectionSpec, fields: dict[str, Any], meeting_date: dt.date | None) -> list[Problem]:
    out: list[Problem] = []
    for name, fs in declared_fields(spec).items():
        value = fields.get(name)
        if fs.type != "date" or not isinstance(value, str) or not value.strip() or real_iso(value.strip()):
            continue
        why = "the meeting date is unknown, so it cannot be pinned down" if meeting_date is None else "not a date"
        out.append(("date-unresolved", f"'{name}' is {value!r}: {why}; check it before relying on it"))
    return out


def evidence_problems(spec: SectionSpec, item: Item) -> list[Problem]:
    if spec.evidence != "required" or any(c.located for c in item.citations):
        return []
    if spec.kind == "scorecard" and item.fields.get("rating") is None:
        return [("no-evidence", f"{item.fields.get('name', 'this criterion')}: no evidence in the sources; not rated")]
    if item.citations:
        return [("no-evidence", "none of this item's quotes could be found in the sources")]
    return [("no-evidence", "this item has no supporting quote")]


def declared_fields(spec: SectionSpec) -> dict[str, FieldSpec]:
    """The fields an item carries; prose and bare list sections hold one text field."""
    if spec.kind == "prose" or not spec.fields:
        return {"text": FieldSpec(type="text")}
    return spec.fields


def is_empty(value: Any) -> bool:
    """Nothing said: None, or an empty string, list or mapping (0 and False are answers)."""
    return value is None or (isinstance(value, str | list | dict) and not value)
