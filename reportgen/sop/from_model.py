"""A Python user's Pydantic model used as the SOP: each top-level field becomes a section.

For people who already describe their report as a model and would rather not write YAML;
the result goes through the same `sop_problems` rules as a file.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import re
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from reportgen.errors import SOPError
from reportgen.sop.model import SOP, FieldSpec, SectionSpec
from reportgen.sop.rules import sop_problems

_PERSON_NAMES = re.compile(r"(^|_)(owner|assignee|person|who|speaker|decided_by|by|interviewer|candidate)$")


def sop_from_model(model: type[BaseModel], id: str | None = None) -> SOP:  # noqa: A002 - matches the public API
    """Use a Pydantic model as the SOP: each top-level field becomes a section.

    `str` -> prose; `list[str]` -> list; `list[SubModel]` -> table whose columns are the
    submodel's fields; a single `SubModel`, or a scalar (bool, number, date, Literal), -> verdict.
    Docstrings and `Field(description=...)` become the instructions the engines follow. The
    version is a hash of the model's schema, so caches notice when the model changes.
    """
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SOPError(f"an SOP must be an SOP id, a YAML path or a Pydantic model class, not {model!r}")
    sections = [_section_from_field(model, name, info) for name, info in model.model_fields.items()]
    schema = json.dumps(model.model_json_schema(), sort_keys=True, default=str)
    sop = SOP(
        id=id or _kebab(model.__name__),
        name=_humanise(model.__name__) if model.model_config.get("title") is None else str(model.model_config["title"]),
        version="py-" + hashlib.sha256(schema.encode()).hexdigest()[:10],
        instructions=_doc(model),
        sections=sections,
    )
    problems = sop_problems(sop)
    if problems:
        shown = "; ".join(f"{_loc(loc, sop)}: {msg}" for loc, msg in problems)
        raise SOPError(f"model {model.__name__} cannot be used as an SOP: {shown}")
    return sop


def _section_from_field(model: type[BaseModel], name: str, info: FieldInfo) -> SectionSpec:
    ann, optional = _unwrap_optional(info.annotation)
    title = info.title or _humanise(name)
    instructions = (info.description or "").strip()
    base = {"id": name, "title": title, "instructions": instructions, "required": not optional}
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if ann is str:
        return SectionSpec(kind="prose", **base)
    if origin is list and args:
        elem, _ = _unwrap_optional(args[0])
        if isinstance(elem, type) and issubclass(elem, BaseModel):
            base["instructions"] = instructions or _doc(elem)
            fields = {n: _field_spec(elem, n, i) for n, i in elem.model_fields.items()}
            return SectionSpec(kind="table", fields=fields, **base)
        if elem is str:
            return SectionSpec(kind="list", **base)
        return SectionSpec(kind="list", fields={"text": _scalar_spec(elem, f"{model.__name__}.{name}")}, **base)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        base["instructions"] = instructions or _doc(ann)
        fields = {n: _field_spec(ann, n, i) for n, i in ann.model_fields.items()}
        return SectionSpec(kind="verdict", fields=fields, **base)
    spec = _scalar_spec(ann, f"{model.__name__}.{name}")
    return SectionSpec(kind="verdict", fields={name: spec}, **base)


def _field_spec(model: type[BaseModel], name: str, info: FieldInfo) -> FieldSpec:
    ann, optional = _unwrap_optional(info.annotation)
    spec = _scalar_spec(ann, f"{model.__name__}.{name}", name=name)
    spec.description = (info.description or "").strip()
    spec.required = not optional and info.is_required()
    default = info.default
    if default is not PydanticUndefined and default is not None and isinstance(default, str | int | float | bool):
        spec.default = default
    return spec


def _scalar_spec(ann: Any, where: str, name: str = "") -> FieldSpec:
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Literal:
        return FieldSpec(type="enum", values=[str(a) for a in args])
    if origin is list:
        elem, _ = _unwrap_optional(args[0]) if args else (str, False)
        inner = _scalar_spec(elem, where)
        if inner.type in ("list", "rating"):
            raise SOPError(f"{where}: lists of lists are not supported in an SOP model; use list[str]")
        return FieldSpec(type="list", items=inner.type, values=inner.values)
    if ann is bool:
        return FieldSpec(type="boolean")
    if ann in (int, float):
        return FieldSpec(type="number")
    if ann is decimal.Decimal:
        return FieldSpec(type="money")
    if ann in (dt.date, dt.datetime):
        return FieldSpec(type="date")
    if ann is str:
        return FieldSpec(type="person" if _PERSON_NAMES.search(name) else "text")
    raise SOPError(
        f"{where}: type {getattr(ann, '__name__', ann)!s} cannot be an SOP field; use str, int, float, bool, "
        "date, Decimal (money), Literal[...] or list[...] of those"
    )


def _unwrap_optional(ann: Any) -> tuple[Any, bool]:
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return ann, False


def _doc(model: type) -> str:
    doc = model.__dict__.get("__doc__") or ""
    return " ".join(doc.split())


def _humanise(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    return " ".join(words)[:1].upper() + " ".join(words)[1:] if words else name


def _kebab(name: str) -> str:
    return "-".join(w.lower() for w in _humanise(name).split())


def _loc(loc: tuple, sop: SOP) -> str:
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "sections" and isinstance(parts[1], int):
        parts[1:2] = [sop.sections[parts[1]].id]
        parts = parts[1:]
    return ".".join(str(p) for p in parts)
