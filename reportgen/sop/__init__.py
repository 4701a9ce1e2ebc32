"""SOP templates: the questions an organisation asks, as data.

An SOP is YAML (see `sops/`, docs/sops.md) parsed into these models. Engines read a
`SectionSpec` to know what to extract; `reportgen.sopschema.section_model` turns one into a
Pydantic model for structured LLM output.

The package, bottom up:
- `model`: the pydantic types (SOP, SectionSpec, FieldSpec, Criterion, RubricBand).
- `rules`: checks beyond the schema (`sop_problems`), as (location, message) pairs.
- `located`: YAML parsed into line-marked nodes; errors that name file, line and key.
- `extends`: merging a child SOP onto its base (`extends:`, `remove_sections:`).
- `loader`: files and text to a checked SOP; the built-ins, read once.
- `registry`: picking an SOP by id or path (`get_sop`, `find_sops`, REPORTGEN_SOPS).
- `from_model`: a Python user's Pydantic model used as the SOP.
"""

from reportgen.sop.from_model import sop_from_model
from reportgen.sop.loader import MAX_SOP_BYTES, SOP_SUFFIXES, load_sop, load_sop_text
from reportgen.sop.model import SOP, Criterion, FieldSpec, FieldType, RubricBand, SectionKind, SectionSpec, SourceKind
from reportgen.sop.registry import ENV_VAR, builtin_sops, find_sops, get_sop
from reportgen.sop.rules import RESERVED_FIELD_NAMES, Loc, sop_problems

__all__ = [
    "ENV_VAR",
    "MAX_SOP_BYTES",
    "RESERVED_FIELD_NAMES",
    "SOP",
    "SOP_SUFFIXES",
    "Criterion",
    "FieldSpec",
    "FieldType",
    "Loc",
    "RubricBand",
    "SectionKind",
    "SectionSpec",
    "SourceKind",
    "builtin_sops",
    "find_sops",
    "get_sop",
    "load_sop",
    "load_sop_text",
    "sop_from_model",
    "sop_problems",
]
