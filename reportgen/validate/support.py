"""Does an item say what its located quotes say? Values first: a figure must be one its quotes state.

A located quote proves that the quote is in the source, not that the item's fields follow from
it: "(i) Twenty-Five thousand dollars ($25,000USD)" once became the figure "$5K" with a located,
"verified" quote. Each number, amount and percent an item states (in its figures and in its
text) must be a value that the source states at the item's located citations, after
normalisation ("$25,000" = "25,000 USD" = "twenty-five thousand dollars"). The check reads the
source at the citation, not the model's copy of the quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from reportgen.models import Document, Item
from reportgen.sop import SectionSpec
from reportgen.validate.codes import Problem
from reportgen.validate.fields import declared_fields, is_empty
from reportgen.values import numbers_in

# Field types whose values are checked against the quotes; dates are resolved against the meeting
# ("Friday" -> 2026-03-06) so their digits are not in the quote, and are checked by date rules.
_CHECKED = ("text", "number", "money", "list")


def cited_text(item: Item, documents: Mapping[str, Document]) -> list[str]:
    """The source text at each located citation of `item`."""
    out = []
    for c in item.citations:
        doc = documents.get(c.document_id or "")
        if c.located and doc is not None and c.char_start is not None and c.char_end is not None:
            out.append(doc.text[c.char_start : c.char_end])
    return out


def _stated(value: Any) -> list[str]:
    """The texts a field value states numbers in (a money/number object says them in `text` and `value`)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        parts = [value["text"]] if isinstance(value.get("text"), str) else []
        v = value.get("value")
        if isinstance(v, int | float) and not isinstance(v, bool) and not parts:
            parts.append(str(v))
        return parts
    if isinstance(value, list):
        return [t for elem in value for t in _stated(elem)]
    return []


def value_problems(spec: SectionSpec, item: Item, documents: Mapping[str, Document]) -> list[Problem]:
    """Numbers the item states that none of its located citations state; [] when it has none located."""
    if spec.kind == "scorecard":
        return []  # a rating is a judgement on the evidence, not a value read from it
    sources = cited_text(item, documents)
    if not sources:
        return []  # nothing located: the evidence flag already says so
    stated: set[Decimal] = set()
    for text in sources:
        stated |= numbers_in(text)
    out: list[Problem] = []
    for name, fs in declared_fields(spec).items():
        value = item.fields.get(name)
        if fs.type not in _CHECKED or is_empty(value):
            continue
        for text in _stated(value):
            missing = sorted(numbers_in(text) - stated)
            if missing:
                shown = ", ".join(format(m, "f") for m in missing)
                out.append(("value-not-in-quote", f"'{name}' states {shown}, which its quotes do not; check the "
                                                  "figure against the source"))
                break
    return out
