"""Items: the best-ranked sentences, one item each (one per figure in a money/number table)."""

from __future__ import annotations

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem
from reportgen.extract.local.fields import fill_item
from reportgen.extract.local.figures import find_figures
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import DEFAULT_MAX_ITEMS, item_cap, pick, rank, section_query
from reportgen.sop import SectionSpec


def section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    """The section's best sentences in source order; a table with money or number fields gets one item per
    figure in a sentence (up to 3)."""
    fams = C.families_for(spec)
    cap = item_cap(spec, DEFAULT_MAX_ITEMS)
    ranked = rank(index, spec, fams, section_query(spec), spec.cues)
    picked = pick(index, ranked, cap)
    figures = any(f.type in ("money", "number") for f in spec.fields.values())
    items: list[DraftItem] = []
    for c in picked:
        s = c.sentence
        if figures:
            found = sorted(find_figures(s.text), key=lambda f: not f.strong)[:3]
            items.extend(fill_item(index, spec, fams, s, fig) for fig in sorted(found, key=lambda f: f.start))
            continue
        items.append(fill_item(index, spec, fams, s))
    return items
