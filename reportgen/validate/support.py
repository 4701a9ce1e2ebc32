"""Does an item say what its located quotes say? Values first: a figure must be one its quotes state.

A located quote proves that the quote is in the source, not that the item's fields follow from
it: "(i) Twenty-Five thousand dollars ($25,000USD)" once became the figure "$5K" with a located,
"verified" quote. Each number, amount and percent an item states (in its figures and in its
text) must be a value that the source states at the item's located citations, after
normalisation ("$25,000" = "25,000 USD" = "twenty-five thousand dollars"). The check reads the
source at the citation, not the model's copy of the quote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from reportgen.models import Document, Item
from reportgen.sop import SectionSpec
from reportgen.text import terms
from reportgen.validate.codes import Problem
from reportgen.validate.fields import declared_fields, is_empty
from reportgen.values import numbers_in

# An item's main text must share at least this share of its content terms with the source at its
# citations (and at least one term). Low on purpose: a faithful paraphrase keeps a quarter of its
# words; an item about "a budget constraint" cited on "So and do they always have that?" keeps none.
MIN_SHARED_TERMS = 0.25

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


def _main_text(spec: SectionSpec, item: Item) -> tuple[str, str] | None:
    """(field name, text) of what the item says: the first text field in SOP order."""
    for name, fs in declared_fields(spec).items():
        value = item.fields.get(name)
        if fs.type == "text" and isinstance(value, str) and value.strip():
            return name, value
    return None


def text_problems(spec: SectionSpec, item: Item, documents: Mapping[str, Document]) -> list[Problem]:
    """The item's main text shares (almost) no content words with the source at its located citations."""
    if spec.kind in ("scorecard", "verdict"):
        return []  # a rating's rationale and a verdict are judgements on the evidence, not readings of it
    main = _main_text(spec, item)
    sources = cited_text(item, documents)
    if main is None or not sources:
        return []
    said = set(terms(main[1]))
    if len(said) < 2:
        return []
    quoted = {t for text in sources for t in terms(text)}
    shared = len(said & quoted)
    if shared >= max(1, MIN_SHARED_TERMS * len(said)):
        return []
    return [("text-not-in-quote", f"'{main[0]}' shares {shared} of its {len(said)} content words with its quotes; "
                                  "the quotes may not say this")]


_LOCATOR_RE = re.compile(  # "§ 13", "p. 4", "pp. 4-6", "12:04", "1:02:03"
    r"\u00a7+\s*\d+(?:\.\d+)*|\bpp?\.\s*\d+(?:\s*[-\u2013]\s*\d+)?|\b\d{1,2}:\d{2}(?::\d{2})?\b", re.IGNORECASE
)


def _without_locators(text: str, documents: Mapping[str, Document]) -> str:
    """A value minus what only says where it is ("contract.pdf (p. 4)", "12:04"): a locator is not a value."""
    for doc in documents.values():
        text = text.replace(doc.filename, " ")
    return _LOCATOR_RE.sub(" ", text)


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
            missing = sorted(numbers_in(_without_locators(text, documents)) - stated)
            if missing:
                shown = ", ".join(format(m, "f") for m in missing)
                out.append(("value-not-in-quote", f"'{name}' states {shown}, which its quotes do not; check the "
                                                  "figure against the source"))
                break
    return out
