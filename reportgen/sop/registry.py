"""Which SOPs a user can pick by id: the built-ins, then their own folders.

Folders are read on every call (they are small, and a user editing a file expects the next
command to see it); only the shipped SOPs are cached.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path

from reportgen.errors import SOPError
from reportgen.sop.loader import SOP_SUFFIXES, load_folder, load_sop, shared_builtins
from reportgen.sop.model import SOP

ENV_VAR = "REPORTGEN_SOPS"


def builtin_sops() -> dict[str, SOP]:
    """The SOPs shipped in sops/, by id. Copies, so a caller editing one cannot change another's."""
    return {k: v.model_copy(deep=True) for k, v in shared_builtins().items()}


def find_sops(extra_dirs: Sequence[str | Path] = ()) -> dict[str, SOP]:
    """Every SOP a user can pick, by id: built-ins, then REPORTGEN_SOPS folders, then `extra_dirs`.

    Later folders win on equal ids, so a team can replace a built-in by writing a file with the
    same id; the explicit folders (`--sops DIR`) come last because they are the most specific.
    """
    found = builtin_sops()
    env_dirs = [d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
    for origin, folder in [(ENV_VAR, d) for d in env_dirs] + [("--sops", d) for d in extra_dirs]:
        found.update(load_folder(Path(folder), origin))
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
