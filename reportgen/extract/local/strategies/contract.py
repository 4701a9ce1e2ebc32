"""Contract terms: one row per clause kind per agreement, from the clause classifier (`clauses.py`)."""

from __future__ import annotations

import re

from reportgen.drafts import DraftItem
from reportgen.extract.local.clauses import KINDS, clause_values, find_clauses
from reportgen.extract.local.fields import main_text_field
from reportgen.extract.local.index import SourceIndex
from reportgen.sop import SectionSpec

_DOC_FIELDS = {"document", "agreement", "source", "file", "filename", "contract", "where", "reference", "location"}


def clause_field(spec: SectionSpec) -> tuple[str, dict[str, str]] | None:
    """The enum field that names contract clauses (its values cover at least three clause kinds), if any."""
    for name, f in spec.fields.items():
        if f.type == "enum" and f.values:
            kinds = clause_values(list(f.values))
            if len(kinds) >= 3:
                return name, kinds
    return None


def section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    """Contract terms: the clause classifier's best sentence per clause kind per document (clauses.py), with the
    clause named by the SOP's own enum value, the sentence as summary and the file (and clause number) as document.
    Without an explicit `max_items` every agreement gets its rows: a data room has many."""
    named = clause_field(spec)
    if named is None:
        return []  # the engine gives this strategy only sections with such a field
    field_name, kinds = named
    main = main_text_field(spec)
    order = {k: i for i, k in enumerate(KINDS)}
    hits = find_clauses(index.documents, [k for k in KINDS if k in kinds])
    hits.sort(key=lambda h: (h.doc_index, order[h.kind], h.unit.start))
    items: list[DraftItem] = []
    for h in hits:
        doc = index.documents[h.doc_index]
        number = re.sub(r"^(?:section|article|clause|paragraph|\u00a7)\s*", "", h.unit.number or "", flags=re.I)
        where = f"{doc.filename} \u00a7 {number}" if re.match(r"\d", number) else doc.filename
        fields: dict[str, object] = {}
        for name, f in spec.fields.items():
            value: object = None
            if name == field_name:
                value = kinds[h.kind]
            elif name == main:
                value = " ".join(h.unit.text.split())
            elif f.type == "text" and name.lower() in _DOC_FIELDS:
                value = where
            elif f.default is not None and f.type != "rating":
                value = f.default
            fields[name] = value
        items.append(DraftItem(fields=fields, quotes=[h.unit.text]))
    return items[: spec.max_items] if spec.max_items and spec.max_items > 0 else items
