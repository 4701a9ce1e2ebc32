"""SOP templates: the questions an organisation asks, as data.

An SOP is YAML (see `sops/`, docs/sops.md) parsed into these models. Engines read a
`SectionSpec` to know what to extract; `reportgen.sopschema.section_model` turns one into a
Pydantic model for structured LLM output. Loading lives here too, so that every way of
getting an SOP (built-in, user folder, upload) goes through the same checks and the same
file:line error messages.
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reportgen.errors import SOPError

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


# ---------------------------------------------------------------------------------------------
# Loading. Errors must point a non-programmer at the exact line to fix, so the YAML is composed
# into nodes (which keep their line marks) and pydantic's error locations are walked down them.
# ---------------------------------------------------------------------------------------------


SOP_SUFFIXES = (".yaml", ".yml")
ENV_VAR = "REPORTGEN_SOPS"
MAX_SOP_BYTES = 1_000_000
_MAX_NODES = 50_000  # aliases can make a tiny file expand exponentially; real SOPs have a few hundred nodes
_MAX_ERRORS = 12

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# The compiled item model (sopschema) carries the evidence under this name.
RESERVED_FIELD_NAMES = frozenset({"quotes"})
_LOADER_KEYS = ("extends", "remove_sections")  # handled here, before the schema sees the data

Loc = tuple[str | int, ...]


def load_sop(path: str | Path) -> SOP:
    """Load one SOP file; `extends:` inside it is resolved relative to the file's folder."""
    path = Path(path)
    return _load_path(path, ())


def load_sop_text(text: str, source_name: str = "<sop>", *, base_dir: str | Path | None = None) -> SOP:
    """Parse SOP YAML from a string (uploads, the API); `source_name` labels error messages."""
    return _load_text(text, source_name, Path(base_dir) if base_dir else None, ())


def builtin_sops() -> dict[str, SOP]:
    """The SOPs shipped in sops/, by id. Copies, so a caller editing one cannot change another's."""
    return {k: v.model_copy(deep=True) for k, v in _builtin_cached().items()}


def find_sops(extra_dirs: Sequence[str | Path] = ()) -> dict[str, SOP]:
    """Every SOP a user can pick, by id: built-ins, then REPORTGEN_SOPS folders, then `extra_dirs`.

    Later folders win on equal ids, so a team can replace a built-in by writing a file with the
    same id; the explicit folders (`--sops DIR`) come last because they are the most specific.
    """
    found = builtin_sops()
    env_dirs = [d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
    for origin, folder in [(ENV_VAR, d) for d in env_dirs] + [("--sops", d) for d in extra_dirs]:
        found.update(_load_folder(Path(folder), origin))
    return found


def get_sop(id_or_path: str | Path, extra_dirs: Sequence[str | Path] = ()) -> SOP:
    """An SOP by id (see `find_sops`) or by path to a YAML file."""
    text = str(id_or_path)
    path = Path(text)
    if text.lower().endswith(SOP_SUFFIXES) or os.sep in text or path.is_file():
        if not path.is_file():
            raise SOPError(f"SOP file not found: {text}. Check the path, or pass a built-in SOP id instead.")
        return load_sop(path)
    available = find_sops(extra_dirs)
    if text in available:
        return available[text]
    close = difflib.get_close_matches(text, list(available), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise SOPError(
        f"unknown SOP {text!r}.{hint} Available: {', '.join(sorted(available)) or '(none)'}. "
        f"Pass one of these ids, a path to a .yaml file, or add your folder with --sops DIR or {ENV_VAR}."
    )


def sop_problems(sop: SOP) -> list[tuple[Loc, str]]:
    """Checks the schema alone cannot express; (location, message) pairs, empty when the SOP is sound.

    Kept out of the model validators on purpose: code (tests, engines, `sop_from_model`) may build
    partial specs, while files users write are held to all of this on load.
    """
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


@functools.lru_cache(maxsize=1)
def _builtin_cached() -> dict[str, SOP]:
    from reportgen.resources import sops_dir

    return _load_folder(sops_dir(), "built-in")


def _load_folder(folder: Path, origin: str) -> dict[str, SOP]:
    if not folder.is_dir():
        raise SOPError(f"SOP folder not found: {folder} (from {origin}). Create it or fix the path.")
    out: dict[str, SOP] = {}
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SOP_SUFFIXES and not p.name.startswith("."))
    for path in files:
        sop = _load_path(path, ())
        if sop.id in out:
            raise SOPError(
                f"{path}: SOP id {sop.id!r} is also used by {out[sop.id].source_path}; "
                "ids must be unique within a folder, so rename one of them."
            )
        out[sop.id] = sop
    return out


def _load_path(path: Path, stack: tuple[str, ...]) -> SOP:
    if not path.is_file():
        raise SOPError(f"SOP file not found: {path}")
    if path.stat().st_size > MAX_SOP_BYTES:
        raise SOPError(f"{path}: SOP file is larger than {MAX_SOP_BYTES // 1000} kB; an SOP is a short YAML file.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SOPError(f"{path}: not UTF-8 text (byte {e.start}); save the file as UTF-8.") from None
    sop = _load_text(text, str(path), path.parent, stack)
    sop.source_path = str(path)
    return sop


def _load_text(text: str, name: str, base_dir: Path | None, stack: tuple[str, ...]) -> SOP:
    if len(text) > MAX_SOP_BYTES:
        raise SOPError(f"{name}: SOP text is larger than {MAX_SOP_BYTES // 1000} kB; an SOP is a short YAML file.")
    root, data = _parse(text, name)
    if root is None or data is None:
        raise SOPError(f"{name}: the file is empty; an SOP needs at least id, name and sections.")
    if not isinstance(data, dict):
        raise SOPError(
            f"{name}:{_line(root)}: an SOP must be a YAML mapping with keys such as id, name and sections "
            f"(got {_kind(data)})."
        )
    origin: list[int | None] | None = None
    if "extends" in data or "remove_sections" in data:
        data, origin = _apply_extends(data, root, name, base_dir, stack)
    try:
        sop = SOP.model_validate(data)
    except ValidationError as e:
        raise SOPError(_format_validation(e, root, name, origin)) from None
    except RecursionError:
        raise SOPError(f"{name}: the YAML is nested too deeply to be an SOP.") from None
    problems = sop_problems(sop)
    if problems:
        raise SOPError(_join(name, [(_where(root, loc, origin), f"{_path(loc)}: {msg}") for loc, msg in problems]))
    return sop


def _parse(text: str, name: str) -> tuple[yaml.Node | None, object]:
    try:
        loader = yaml.SafeLoader(text)  # the reader rejects control characters already here
    except yaml.YAMLError as e:
        raise SOPError(f"{name}: not valid YAML text: {e}. Remove the control characters.".strip()) from None
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        _check_nodes(root, name)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        what = " ".join(p for p in (e.context, e.problem) if p) or "invalid YAML"
        raise SOPError(f"{where}: YAML syntax error: {what}. Check the indentation and quoting on that line.") from None
    except yaml.YAMLError as e:
        raise SOPError(f"{name}: not valid YAML: {e}".strip()) from None
    except RecursionError:
        raise SOPError(f"{name}: the YAML is nested too deeply to be an SOP.") from None
    finally:
        loader.dispose()
    return root, data


def _check_nodes(root: yaml.Node, name: str) -> None:
    """Reject alias bombs and duplicate keys (PyYAML silently keeps the last, hiding a typo)."""
    budget = _MAX_NODES
    stack = [root]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise SOPError(
                f"{name}: the YAML expands to more than {_MAX_NODES} values (anchors/aliases?); an SOP is a short file."
            )
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in keys and k.value != "<<":
                        raise SOPError(
                            f"{name}:{k.start_mark.line + 1}: key {k.value!r} appears twice in the same "
                            f"mapping (first on line {keys[k.value]}); keep one."
                        )
                    keys.setdefault(k.value, k.start_mark.line + 1)
                stack.extend((k, v))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


# --- extends ---------------------------------------------------------------------------------


def _apply_extends(
    data: dict, root: yaml.Node, name: str, base_dir: Path | None, stack: tuple[str, ...]
) -> tuple[dict, list[int | None]]:
    """Merge a child SOP onto its base: top-level keys replace, sections merge by id.

    A child section whose id matches a base section replaces just the keys it sets (e.g. its
    `criteria`); new ids are appended; `remove_sections` drops base sections by id. Returns the
    merged data and, per merged section, its index in the child file (None = from the base) so
    errors still point at the child's lines.
    """
    data = dict(data)
    parent = data.pop("extends", None)
    remove = data.pop("remove_sections", None) or []
    if not isinstance(remove, list) or not all(isinstance(r, str) for r in remove):
        msg = "remove_sections must be a list of section ids"
        raise SOPError(_join(name, [(_where(root, ("remove_sections",)), msg)]))
    child_sections = data.get("sections", [])
    if not isinstance(child_sections, list):
        return data, []  # let the schema report the type error
    if parent is None:
        base: dict = {"sections": []}
    else:
        if not isinstance(parent, str) or not parent.strip():
            msg = "extends must be an SOP id or a path to a .yaml file"
            raise SOPError(_join(name, [(_where(root, ("extends",)), msg)]))
        base_sop = _resolve_base(parent.strip(), name, base_dir, stack, _where(root, ("extends",)))
        base = base_sop.model_dump(mode="json", exclude={"source_path"})
    base_ids = [s["id"] for s in base["sections"]]
    for r in remove:
        if r not in base_ids:
            msg = f"remove_sections: {r!r} is not a section of the base SOP (its sections: {', '.join(base_ids)})"
            raise SOPError(_join(name, [(_where(root, ("remove_sections",)), msg)]))
    merged: list[dict] = [copy.deepcopy(s) for s in base["sections"] if s["id"] not in remove]
    origin: list[int | None] = [None] * len(merged)
    for ci, sec in enumerate(child_sections):
        sid = sec.get("id") if isinstance(sec, dict) else None
        idx = next((i for i, s in enumerate(merged) if s["id"] == sid), None) if sid is not None else None
        if idx is None:
            merged.append(sec)
            origin.append(ci)
        else:
            merged[idx] = {**merged[idx], **sec}
            origin[idx] = ci
    out = {**{k: v for k, v in base.items() if k != "sections"}, **data, "sections": merged}
    return out, origin


def _resolve_base(ref: str, name: str, base_dir: Path | None, stack: tuple[str, ...], where: int | None) -> SOP:
    key = ref
    if ref.lower().endswith(SOP_SUFFIXES) or "/" in ref:
        path = (base_dir / ref) if base_dir and not Path(ref).is_absolute() else Path(ref)
        key = str(path.resolve())
        if key in stack:
            raise SOPError(f"{name}: extends forms a cycle ({' -> '.join((*stack, key))}); break it.")
        if not path.is_file():
            raise SOPError(_join(name, [(where, f"extends: file not found: {path}")]))
        return _load_path(path, (*stack, key))
    if key in stack:
        raise SOPError(f"{name}: extends forms a cycle ({' -> '.join((*stack, key))}); break it.")
    if base_dir is not None:  # a sibling file with that id, then the built-ins
        for path in sorted(base_dir.glob("*.y*ml")):
            if path.stem == ref and path.suffix.lower() in SOP_SUFFIXES and path.name != Path(name).name:
                return _load_path(path, (*stack, key))
    builtins = _builtin_cached() if not stack or "built-in" not in stack else {}
    if ref in builtins:
        return builtins[ref]
    raise SOPError(_join(name, [(where, f"extends: no SOP {ref!r}; built-ins are {', '.join(sorted(builtins))}")]))


# --- error messages --------------------------------------------------------------------------


def _format_validation(err: ValidationError, root: yaml.Node, name: str, origin: list[int | None] | None) -> str:
    lines: list[tuple[int | None, str]] = []
    seen: set[str] = set()
    for e in err.errors():
        node, shown, missing = _walk(root, tuple(e["loc"]), origin)
        path = _path(shown)
        if path in seen:  # a union reports once per member; the first message is enough
            continue
        seen.add(path)
        msg = _message(e, shown, missing)
        lines.append((_line(node), f"{path}: {msg}" if path else msg))
    return _join(name, lines)


def _message(e: dict, shown: list, missing: bool) -> str:
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    if missing or kind == "missing":
        return "this key is required here"
    if kind == "extra_forbidden":
        key = str(shown[-1]) if shown else "?"
        allowed = _allowed_keys(shown[:-1])
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"unknown key {key!r}.{hint} Allowed here: {', '.join(allowed)}"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{value!r} is not one of {expected}"
    if kind == "string_type" and isinstance(value, bool | int | float):
        return f"{value!r} was read as a {_kind(value)}; put it in quotes to make it text"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{e['msg'].lower()} (got {_kind(value)})"
    return e["msg"]


def _allowed_keys(parent: list) -> list[str]:
    strs = [p for p in parent if isinstance(p, str)]
    if not strs:
        model: type[BaseModel] = SOP
    elif len(parent) >= 2 and parent[-2] == "fields":
        model = FieldSpec
    elif strs[-1] == "sections":
        model = SectionSpec
    elif strs[-1] == "criteria":
        model = Criterion
    elif strs[-1] == "rubric":
        model = RubricBand
    else:
        return []
    keys = [k for k in model.model_fields if k != "source_path"]
    return keys + list(_LOADER_KEYS) if model is SOP else keys


def _walk(root: yaml.Node, loc: Loc, origin: list[int | None] | None) -> tuple[yaml.Node, list, bool]:
    """Follow a pydantic error location down the YAML nodes; skip union-member tags pydantic inserts."""
    node, shown = root, []
    for n, part in enumerate(loc):
        if origin is not None and n == 1 and shown == ["sections"] and isinstance(part, int):
            shown.append(part)
            child = origin[part] if part < len(origin) else None
            if child is None:  # came from the base SOP: point at `extends`
                return _child(root, "extends") or root, shown, False
            part = child
            nxt = node.value[part] if isinstance(node, yaml.SequenceNode) and part < len(node.value) else None
            node = nxt or node
            continue
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            nxt = _child(node, part)
            if nxt is not None:
                node = nxt
                shown.append(part)
            elif n == len(loc) - 1:
                shown.append(part)
                return node, shown, True
            continue
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            shown.append(part)
            continue
        if isinstance(part, int):
            shown.append(part)
    return node, shown, False


def _where(root: yaml.Node, loc: Loc, origin: list[int | None] | None = None) -> int | None:
    node, _, _ = _walk(root, loc, origin)
    return _line(node)


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _path(parts: Iterable[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark is not None else None


def _join(name: str, lines: list[tuple[int | None, str]]) -> str:
    rendered = [f"{name}:{ln}: {msg}" if ln else f"{name}: {msg}" for ln, msg in lines[:_MAX_ERRORS]]
    if len(lines) > _MAX_ERRORS:
        rendered.append(f"{name}: ... and {len(lines) - _MAX_ERRORS} more problems")
    return "\n".join(rendered)


def _kind(value: object) -> str:
    return {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "text",
        list: "list",
        dict: "mapping",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)
