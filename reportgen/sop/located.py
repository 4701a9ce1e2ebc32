"""SOP YAML read into nodes that keep their line marks, and errors that point at those lines.

Errors must point a non-programmer at the exact line to fix, so the YAML is composed into
nodes (which keep their line marks) before it becomes data, and pydantic's error locations
are walked back down those nodes. The same walk serves the loader's own checks.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reportgen.errors import SOPError
from reportgen.sop.model import SOP, Criterion, FieldSpec, RubricBand, SectionSpec
from reportgen.sop.rules import Loc

LOADER_KEYS = ("extends", "remove_sections")  # the loader handles them before the schema sees the data
_MAX_NODES = 50_000  # aliases can make a tiny file expand exponentially; real SOPs have a few hundred nodes
_MAX_ERRORS = 12


def parse_nodes(text: str, name: str) -> tuple[yaml.Node | None, object]:
    """(root node, plain data); both None for an empty file. The nodes are kept for `line_at`."""
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


def format_validation(err: ValidationError, root: yaml.Node, name: str, origin: list[int | None] | None) -> str:
    """pydantic's errors as "file:line: path: message" lines; `origin` maps merged sections to the child file's."""
    lines: list[tuple[int | None, str]] = []
    seen: set[str] = set()
    for e in err.errors():
        node, shown, missing = _walk(root, tuple(e["loc"]), origin)
        path = path_text(shown)
        if path in seen:  # a union reports once per member; the first message is enough
            continue
        seen.add(path)
        msg = _message(e, shown, missing)
        lines.append((line_of(node), f"{path}: {msg}" if path else msg))
    return join_errors(name, lines)


def _message(e: ErrorDetails, shown: list[str | int], missing: bool) -> str:
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
        return f"{value!r} was read as a {kind_of(value)}; put it in quotes to make it text"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{e['msg'].lower()} (got {kind_of(value)})"
    return e["msg"]


def _allowed_keys(parent: list[str | int]) -> list[str]:
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
    return keys + list(LOADER_KEYS) if model is SOP else keys


def _walk(root: yaml.Node, loc: Loc, origin: list[int | None] | None) -> tuple[yaml.Node, list[str | int], bool]:
    """Follow a pydantic error location down the YAML nodes; skip union-member tags pydantic inserts."""
    node = root
    shown: list[str | int] = []
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


def line_at(root: yaml.Node, loc: Loc, origin: list[int | None] | None = None) -> int | None:
    """The file line of a location such as ("sections", 2, "id"), or of its nearest existing parent."""
    node, _, _ = _walk(root, loc, origin)
    return line_of(node)


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def path_text(parts: Iterable[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def line_of(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark is not None else None


def join_errors(name: str, lines: list[tuple[int | None, str]]) -> str:
    """One message per line, capped: a file with fifty problems usually has one cause near the top."""
    rendered = [f"{name}:{ln}: {msg}" if ln else f"{name}: {msg}" for ln, msg in lines[:_MAX_ERRORS]]
    if len(lines) > _MAX_ERRORS:
        rendered.append(f"{name}: ... and {len(lines) - _MAX_ERRORS} more problems")
    return "\n".join(rendered)


def kind_of(value: object) -> str:
    """A YAML value's type in the words the SOP docs use, for "(got a list)"."""
    return {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "text",
        list: "list",
        dict: "mapping",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)
