"""What makes an SOP usable beyond its schema: ids, field shapes, rubrics, per-kind requirements.

Kept out of the model validators on purpose: code (tests, engines, `sop_from_model`) may build
partial specs, while files users write are held to all of this on load. Problems come back as
(location, message) pairs so the loader can turn a location into a file line.
"""

from __future__ import annotations

import re

from reportgen.sop.model import SOP, FieldSpec, RubricBand

Loc = tuple[str | int, ...]

# The compiled item model (sopschema) carries the evidence under this name.
RESERVED_FIELD_NAMES = frozenset({"quotes"})

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def sop_problems(sop: SOP) -> list[tuple[Loc, str]]:
    """Checks the schema alone cannot express; (location, message) pairs, empty when the SOP is sound."""
    out: list[tuple[Loc, str]] = []
    if not _ID_RE.match(sop.id):
        out.append((("id",), f"{sop.id!r} is not a usable id: use letters, digits, '-', '_' or '.', e.g. 'board-memo'"))
    if not sop.sections:
        out.append((("sections",), "an SOP needs at least one section"))
    seen: dict[str, int] = {}
    for i, sec in enumerate(sop.sections):
        at: Loc = ("sections", i)
        if not _ID_RE.match(sec.id):
            out.append(((*at, "id"), f"{sec.id!r} is not a usable section id: use letters, digits, '-' or '_'"))
        if sec.id in seen:
            out.append(
                ((*at, "id"), f"duplicate section id {sec.id!r} (also sections[{seen[sec.id]}]); ids must be unique")
            )
        seen.setdefault(sec.id, i)
        if sec.max_items is not None and sec.max_items < 1:
            out.append(((*at, "max_items"), "max_items must be at least 1 (leave it out for no limit)"))
        if sec.kind == "scorecard":
            if not sec.criteria:
                out.append(
                    ((*at, "criteria"), "a scorecard section needs criteria: a list of {id, name, question, rubric}")
                )
            if sec.fields:
                out.append(
                    (
                        (*at, "fields"),
                        "scorecard items have fixed fields (criterion, rating, rationale); remove `fields`",
                    )
                )
        elif sec.criteria:
            out.append(
                ((*at, "criteria"), f"criteria only apply to kind: scorecard (this section is kind: {sec.kind})")
            )
        if sec.kind == "prose" and sec.fields:
            out.append(
                (
                    (*at, "fields"),
                    "prose items are paragraphs with a single text field; remove `fields` or use kind: list",
                )
            )
        if sec.kind in ("table", "verdict") and not sec.fields:
            out.append(
                (
                    (*at, "fields"),
                    f"a {sec.kind} section needs fields, e.g. fields: {{verdict: {{type: enum, values: [...]}}}}",
                )
            )
        crit_ids: dict[str, int] = {}
        for j, crit in enumerate(sec.criteria):
            cat: Loc = (*at, "criteria", j)
            if not _FIELD_RE.match(crit.id):
                out.append(
                    (
                        (*cat, "id"),
                        f"{crit.id!r} is not a usable criterion id: start with a letter, then letters, digits or '_'",
                    )
                )
            if crit.id in crit_ids:
                out.append(((*cat, "id"), f"duplicate criterion id {crit.id!r} (also criteria[{crit_ids[crit.id]}])"))
            crit_ids.setdefault(crit.id, j)
            if not crit.rubric:
                out.append(((*cat, "rubric"), "each criterion needs a rubric: bands of {value, label, description}"))
            out.extend(_rubric_problems(crit.rubric, (*cat, "rubric")))
        for name, fld in sec.fields.items():
            out.extend(_field_problems(name, fld, (*at, "fields", name)))
    return out


def _field_problems(name: str, fld: FieldSpec, at: Loc) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    if not _FIELD_RE.match(name) or name.startswith("model_"):
        out.append((at, f"{name!r} is not a usable field name: start with a letter, then letters, digits or '_'"))
    if name in RESERVED_FIELD_NAMES:
        out.append((at, f"{name!r} is reserved (evidence and structure use it); rename the field, e.g. '{name}_text'"))
    is_enum = fld.type == "enum" or (fld.type == "list" and fld.items == "enum")
    if is_enum and not fld.values:
        out.append(
            ((*at, "values"), "an enum field needs `values`: the allowed choices, e.g. values: [open, done, blocked]")
        )
    if fld.values is not None and not is_enum:
        out.append(((*at, "values"), f"`values` only applies to type: enum (this field is type: {fld.type})"))
    if fld.values and len(set(fld.values)) != len(fld.values):
        out.append(((*at, "values"), "enum values must be unique"))
    if fld.type == "rating" and not fld.rubric:
        out.append(((*at, "rubric"), "a rating field needs a `rubric`: bands of {value, label, description}"))
    if fld.rubric is not None and fld.type != "rating":
        out.append(((*at, "rubric"), f"`rubric` only applies to type: rating (this field is type: {fld.type})"))
    out.extend(_rubric_problems(fld.rubric or [], (*at, "rubric")))
    if fld.items is not None and fld.type != "list":
        out.append(((*at, "items"), f"`items` only applies to type: list (this field is type: {fld.type})"))
    if fld.items in ("list", "rating"):
        out.append(
            ((*at, "items"), f"a list of {fld.items} is not supported; use text, person, date, enum, number or money")
        )
    if fld.default is not None and fld.type == "enum" and fld.values and fld.default not in fld.values:
        out.append(((*at, "default"), f"default {fld.default!r} is not one of the values: {', '.join(fld.values)}"))
    return out


def _rubric_problems(bands: list[RubricBand], at: Loc) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    seen: set[int] = set()
    for k, band in enumerate(bands):
        if band.value in seen:
            out.append(
                ((*at, k, "value"), f"rubric band value {band.value} is used twice; each band needs its own value")
            )
        seen.add(band.value)
    return out
