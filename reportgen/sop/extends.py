"""`extends:` and `remove_sections:`: a team's SOP as a few changes to a built-in one.

Merging is kept apart from finding the base (the loader's job, given here as `load_base`), so
the merge rules read in one place: top-level keys replace, sections merge by id.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import yaml

from reportgen.errors import SOPError
from reportgen.sop.located import join_errors, line_at
from reportgen.sop.model import SOP

LoadBase = Callable[[str, int | None], SOP]  # (reference as written, its line) -> the base SOP


def apply_extends(data: dict, root: yaml.Node, name: str, load_base: LoadBase) -> tuple[dict, list[int | None]]:
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
        raise SOPError(join_errors(name, [(line_at(root, ("remove_sections",)), msg)]))
    child_sections = data.get("sections", [])
    if not isinstance(child_sections, list):
        return data, []  # let the schema report the type error
    if parent is None:
        base: dict = {"sections": []}
    else:
        if not isinstance(parent, str) or not parent.strip():
            msg = "extends must be an SOP id or a path to a .yaml file"
            raise SOPError(join_errors(name, [(line_at(root, ("extends",)), msg)]))
        base_sop = load_base(parent.strip(), line_at(root, ("extends",)))
        base = base_sop.model_dump(mode="json", exclude={"source_path"})
    base_ids = [s["id"] for s in base["sections"]]
    for r in remove:
        if r not in base_ids:
            msg = f"remove_sections: {r!r} is not a section of the base SOP (its sections: {', '.join(base_ids)})"
            raise SOPError(join_errors(name, [(line_at(root, ("remove_sections",)), msg)]))
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
