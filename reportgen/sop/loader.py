"""Reading SOP files and text: size and encoding limits, schema, rules, and `extends` bases.

Every way of getting an SOP (built-in, user folder, upload) goes through `_load_text`, so all
of them get the same checks and the same file:line error messages.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import ValidationError

from reportgen.errors import SOPError
from reportgen.resources import sops_dir
from reportgen.sop.extends import apply_extends
from reportgen.sop.located import format_validation, join_errors, kind_of, line_at, line_of, parse_nodes, path_text
from reportgen.sop.model import SOP
from reportgen.sop.rules import sop_problems

SOP_SUFFIXES = (".yaml", ".yml")
MAX_SOP_BYTES = 1_000_000


def load_sop(path: str | Path) -> SOP:
    """Load one SOP file; `extends:` inside it is resolved relative to the file's folder."""
    path = Path(path)
    return _load_path(path, ())


def load_sop_text(text: str, source_name: str = "<sop>", *, base_dir: str | Path | None = None) -> SOP:
    """Parse SOP YAML from a string (uploads, the API); `source_name` labels error messages."""
    return _load_text(text, source_name, Path(base_dir) if base_dir else None, ())


@functools.lru_cache(maxsize=1)
def shared_builtins() -> dict[str, SOP]:
    """The shipped SOPs, parsed once; shared, so read them only (`builtin_sops` hands out copies)."""
    return load_folder(sops_dir(), "built-in")


def load_folder(folder: Path, origin: str) -> dict[str, SOP]:
    """Every SOP file in `folder` by id; `origin` says in errors where the folder came from."""
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
    root, data = parse_nodes(text, name)
    if root is None or data is None:
        raise SOPError(f"{name}: the file is empty; an SOP needs at least id, name and sections.")
    if not isinstance(data, dict):
        raise SOPError(
            f"{name}:{line_of(root)}: an SOP must be a YAML mapping with keys such as id, name and sections "
            f"(got {kind_of(data)})."
        )
    origin: list[int | None] | None = None
    if "extends" in data or "remove_sections" in data:
        data, origin = apply_extends(data, root, name, functools.partial(_resolve_base, name, base_dir, stack))
    try:
        sop = SOP.model_validate(data)
    except ValidationError as e:
        raise SOPError(format_validation(e, root, name, origin)) from None
    except RecursionError:
        raise SOPError(f"{name}: the YAML is nested too deeply to be an SOP.") from None
    problems = sop_problems(sop)
    if problems:
        located = [(line_at(root, loc, origin), f"{path_text(loc)}: {msg}") for loc, msg in problems]
        raise SOPError(join_errors(name, located))
    return sop


def _resolve_base(name: str, base_dir: Path | None, stack: tuple[str, ...], ref: str, where: int | None) -> SOP:
    """The SOP an `extends:` names: a path, a sibling file with that id, or a built-in; cycles refused."""
    key = ref
    if ref.lower().endswith(SOP_SUFFIXES) or "/" in ref:
        path = (base_dir / ref) if base_dir and not Path(ref).is_absolute() else Path(ref)
        key = str(path.resolve())
        if key in stack:
            raise SOPError(f"{name}: extends forms a cycle ({' -> '.join((*stack, key))}); break it.")
        if not path.is_file():
            raise SOPError(join_errors(name, [(where, f"extends: file not found: {path}")]))
        return _load_path(path, (*stack, key))
    if key in stack:
        raise SOPError(f"{name}: extends forms a cycle ({' -> '.join((*stack, key))}); break it.")
    if base_dir is not None:  # a sibling file with that id, then the built-ins
        for path in sorted(base_dir.glob("*.y*ml")):
            if path.stem == ref and path.suffix.lower() in SOP_SUFFIXES and path.name != Path(name).name:
                return _load_path(path, (*stack, key))
    builtins = shared_builtins() if not stack or "built-in" not in stack else {}
    if ref in builtins:
        return builtins[ref]
    msg = f"extends: no SOP {ref!r}; built-ins are {', '.join(sorted(builtins))}"
    raise SOPError(join_errors(name, [(where, msg)]))
